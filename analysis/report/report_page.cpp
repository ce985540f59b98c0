// The page around the sections: HTML skeleton, styles, the embedded charting scripts, the
// chart specifications as inline JSON, and the few lines of script that draw them.
#include <algorithm>
#include <cctype>
#include <cstdio>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "analysis/report/report_page.h"
#include "engine/core/dates.h"
#include "engine/core/error.h"
#include "engine/output/numbers.h"

namespace geosim::report {

std::string esc(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string pct(double p, int decimals) { return percent(p, decimals); }

std::string num(double v, int decimals) { return fixed(v, decimals); }

std::string date_plus(const std::string& start, int days) {
  auto d = parse_date(start);
  if (!d) return start;
  return d->plus_days(days).str();
}

int step_days(const Json& run) { return str_or(run, "step", "week") == "day" ? 1 : 7; }

std::string str_or(const Json& j, const char* key, const std::string& fallback) {
  if (j.is_object() && j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return fallback;
}

void Page::h2(const std::string& text, const std::string& anchor) {
  // Two inputs of one kind give two sections of one name: anchors must stay unique.
  std::string id = anchor;
  for (int k = 2; std::any_of(toc_.begin(), toc_.end(), [&](const auto& t) { return t.first == id; }); ++k)
    id = anchor + "-" + std::to_string(k);
  body_ += "<h2 id=\"" + esc(id) + "\">" + esc(text) + "</h2>\n";
  toc_.emplace_back(id, text);
}

void Page::chart(const std::string& name, const Json& spec, const std::string& caption, const std::string& table,
                 bool open) {
  std::string id = "chart-" + std::to_string(charts_.size() + 1) + "-" + name;
  body_ += "<figure>\n<div class=\"chart\" id=\"" + esc(id) + "\" data-chart=\"" + esc(name) + "\" aria-describedby=\"" + esc(id) + "-data\"></div>\n";
  body_ += "<figcaption>" + caption + "</figcaption>\n";
  // The chart's numbers as a table, tied to the chart for screen readers (aria-describedby).
  body_ += std::string("<details class=\"data\"") + (open ? " open" : "") + " id=\"" + esc(id) + "-data\"><summary>The numbers in this chart</summary>\n" + table + "</details>\n</figure>\n";
  Json c;
  c["id"] = id;
  c["spec"] = spec;
  charts_.push_back(c);
}

std::string data_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                       const std::string& align) {
  std::string h = "<table class=\"chart-data\">\n<tr>";
  for (const auto& c : header) h += "<th>" + esc(c) + "</th>";
  h += "</tr>\n";
  for (const auto& r : rows) {
    h += "<tr>";
    for (size_t i = 0; i < r.size(); ++i)
      h += (i < align.size() && align[i] == 'n' ? "<td class=\"n\">" : "<td>") + r[i] + "</td>";
    h += "</tr>\n";
  }
  return h + "</table>\n";
}

Json base_spec(const std::string& title, int width, int height) {
  Json s;
  s["$schema"] = "https://vega.github.io/schema/vega-lite/v6.json";  // an identifier; never fetched
  if (!title.empty()) s["title"] = title;
  s["width"] = width;
  s["height"] = height;
  s["config"] = {{"font", "system-ui, sans-serif"},
                 {"axis", {{"labelFontSize", 11}, {"titleFontSize", 12}}},
                 {"legend", {{"labelFontSize", 11}, {"labelLimit", 320}}},
                 {"title", {{"fontSize", 14}, {"anchor", "start"}}}};
  return s;
}

namespace {

const char* kStyle = R"css(
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1d2430; background: #fff; }
main { max-width: 980px; margin: 0 auto; padding: 1.5rem 2rem 4rem; }
h1 { font-size: 1.7rem; margin: 0.2rem 0 0.4rem; }
h2 { font-size: 1.25rem; margin-top: 2.5rem; border-bottom: 1px solid #d8dde6; padding-bottom: 0.3rem; }
h3 { font-size: 1.05rem; margin-top: 1.6rem; }
.meta { color: #4a5568; margin: 0.2rem 0; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.88rem; }
pre.command { background: #f3f5f8; padding: 0.6rem 0.8rem; border-radius: 4px; white-space: pre-wrap; word-break: break-all; }
.findings { background: #f6f8fb; border-left: 4px solid #4c78a8; padding: 0.6rem 1rem; }
.findings li { margin: 0.25rem 0; }
nav ul { columns: 2; padding-left: 1.2rem; }
figure { margin: 1.2rem 0 1.8rem; }
figcaption { color: #3b4452; font-size: 0.92rem; max-width: 760px; margin-top: 0.4rem; line-height: 1.4; }
table { border-collapse: collapse; font-size: 0.88rem; margin: 0.8rem 0; width: 100%; }
th, td { border-bottom: 1px solid #e2e6ec; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f3f5f8; }
td.n { text-align: right; white-space: nowrap; }
blockquote { margin: 0.2rem 0; padding-left: 0.6rem; border-left: 3px solid #c9d1dc; color: #3b4452; }
.tag { display: inline-block; font-size: 0.75rem; padding: 0 0.35rem; border-radius: 3px; background: #fde8c8; }
.note { color: #6b5a00; }
.chart .error { color: #b00020; }
details.data { margin-top: 0.4rem; font-size: 0.9rem; }
details.data summary { cursor: pointer; color: #2f5d8a; }
details.data table { width: auto; min-width: 50%; }
)css";

// Inline <script> text must not close its element early: "</script" (any case) becomes
// "<\/script", which means the same inside the JavaScript strings where it can occur.
std::string script_safe(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<' && i + 7 < s.size() && s[i + 1] == '/') {
      std::string w = s.substr(i + 2, 6);
      for (char& c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (w == "script") {
        o += "<\\/";
        ++i;
        continue;
      }
    }
    o += s[i];
  }
  return o;
}

// JSON inside <script type="application/json">: '<' only occurs in strings, where \u003c is the same.
std::string json_script_safe(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    if (c == '<') o += "\\u003c";
    else o += c;
  }
  return o;
}

const char* kDrawScript = R"js(
(function () {
  var charts = JSON.parse(document.getElementById('geosim-charts').textContent);
  var pending = charts.length;
  function done() { if (--pending === 0) document.body.setAttribute('data-charts-done', '1'); }
  if (pending === 0) document.body.setAttribute('data-charts-done', '1');
  charts.forEach(function (c) {
    var el = document.getElementById(c.id);
    vegaEmbed(el, c.spec, { actions: false, renderer: 'svg' }).then(function () {
      el.setAttribute('data-rendered', '1');
      done();
    }).catch(function (e) {
      el.setAttribute('data-rendered', 'error');
      var p = document.createElement('p');
      p.className = 'error';
      p.textContent = 'This chart could not be drawn: ' + String(e && e.message);
      el.textContent = '';
      el.appendChild(p);
      console.error('chart ' + c.id + ': ' + (e && e.message));
      done();
    });
  });
})();
)js";

// 'sha256-BASE64' of an inline script's text, for the Content-Security-Policy.
std::string csp_hash(const std::string& script) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(script.data()), script.size(), digest);
  unsigned char b64[4 * ((SHA256_DIGEST_LENGTH + 2) / 3) + 1];
  EVP_EncodeBlock(b64, digest, SHA256_DIGEST_LENGTH);
  return "'sha256-" + std::string(reinterpret_cast<const char*>(b64)) + "'";
}

}  // namespace

}  // namespace geosim::report

namespace geosim {

std::string render_report(const std::vector<ReportInput>& inputs, const ReportOptions& opts) {
  using namespace report;
  if (inputs.empty()) throw InputError(FileLoc{}, "nothing to report", "give at least one result file or sweep folder");
  Page page;
  for (size_t i = 0; i < inputs.size(); ++i) {
    bool head = i == 0;
    switch (inputs[i].kind) {
      case ReportKind::Run: run_sections(page, inputs[i], head); break;
      case ReportKind::Compare: compare_sections(page, inputs[i], head); break;
      case ReportKind::Sweep: sweep_sections(page, inputs[i], head); break;
      case ReportKind::Sensitivity: sensitivity_sections(page, inputs[i], head); break;
      case ReportKind::Discovery: discovery_sections(page, inputs[i], head); break;
      case ReportKind::Calibration: calibration_sections(page, inputs[i], head); break;
    }
  }
  const auto& first = inputs.front().data;
  std::string title = !opts.title.empty() ? opts.title : str_or(first, "title", "");
  if (title.empty()) title = std::string("geosim ") + report_kind_name(inputs.front().kind);

  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // No request may leave the page: scripts, styles and images are all inline.
  // Only the page's own two scripts may run, named by their hashes: no inline event
  // handler or injected <script> can ('unsafe-eval' stays: Vega compiles its expressions).
  static const std::string vega = script_safe(report_scripts());
  static const std::string vega_hash = csp_hash(vega);
  static const std::string draw_hash = csp_hash(kDrawScript);
  h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src " + vega_hash + " " +
       draw_hash + " 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:; font-src data:\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<meta name=\"generator\" content=\"geosim report\">\n";
  h += "<title>" + esc(title) + " - geosim report</title>\n<style>" + std::string(kStyle) + "</style>\n</head>\n";
  h += "<body>\n<main>\n";
  std::string body = page.body();
  // The table of contents goes after the header block, which the first section writer ends with <!--toc-->.
  std::string toc = "<nav><strong>Contents</strong>\n<ul>\n";
  for (const auto& [anchor, text] : page.toc()) toc += "<li><a href=\"#" + esc(anchor) + "\">" + esc(text) + "</a></li>\n";
  toc += "</ul></nav>\n";
  auto at = body.find("<!--toc-->");
  if (at != std::string::npos) body.replace(at, 10, toc);
  else body = toc + body;
  h += body;
  h += "</main>\n";
  h += "<script>" + vega + "</script>\n";
  h += "<script id=\"geosim-charts\" type=\"application/json\">" + json_script_safe(page.charts().dump()) + "</script>\n";
  h += "<script>" + std::string(kDrawScript) + "</script>\n";
  h += "</body>\n</html>\n";
  return h;
}

}  // namespace geosim
