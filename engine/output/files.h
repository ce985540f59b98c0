// The file-system side of geosim's inputs and outputs (docs/errors.md, "Output files"):
//
// - write_file_atomic() puts a result in place so that a reader only ever sees the old
//   file or the new one, whole, and never writes through a planted symlink;
// - read_input_file() reads an input only when it is a regular file, with a byte limit,
//   so a device (/dev/zero), a FIFO or a huge file cannot hang or exhaust memory;
// - check_distinct_paths() refuses an output that is an input or another output of the
//   same command, compared by file-system identity (device and inode), not by name;
// - DirLock holds an exclusive lock on an output folder for the whole of a command that
//   fills it (a sweep), so a second command into the same folder is refused.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace geosim {

// Writes `text` to `path`. "-" is standard output. A regular file (or a new path) is
// written atomically: a temporary file with an unpredictable name created with
// O_EXCL|O_NOFOLLOW in the target's folder, fsync'd, renamed over the target, then the
// folder fsync'd; the temporary file is removed on failure and when SIGINT/SIGTERM
// arrives meanwhile (the signal then takes effect). A symbolic link to a regular file is
// followed: the file it points to is replaced, not the link. A character device or a FIFO
// (/dev/null, /dev/stdout) is written directly; a folder, socket or block device is
// refused. Throws InputError naming the path.
void write_file_atomic(const std::string& path, const std::string& text);

// The outputs of one command, written together: every target is checked first, then every
// regular file is written to its temporary file, then standard output, devices and FIFOs are
// written, and only then are the temporary files renamed over their targets. So a command
// that fails on one output (a missing folder, a full disk) replaces none of the others.
struct OutputFile {
  std::string path;  // as for write_file_atomic ("-": standard output)
  std::string text;
};
void write_files_atomic(const std::vector<OutputFile>& files);

// Blocking writes (a FIFO or pipe nobody drains) give up when `flag` is set by a signal
// handler installed without SA_RESTART: they throw Interrupted instead of retrying.
void set_interrupt_flag(const std::atomic<bool>* flag);

// `text` as one word of a POSIX shell: as it is when it holds only letters, digits and
// _./:=,+@%- (and is not empty), else in single quotes (a quote written '\''); a text with
// a control character (a newline, a tab) in bash's $'...' form (\n, \t, \\, \', \xHH), so
// that a command line always stays on one line (the comment lines of a CSV file).
std::string shell_word(const std::string& text);

// Whether `path` names standard output through /dev or /proc (/dev/stdout, /dev/fd/1,
// /proc/self/fd/1, or another name of the same open file); "-" is not tested here.
bool names_stdout(const std::string& path);

// The whole of the regular file `path`, at most `limit` bytes. Refuses (InputError) a
// missing file, a folder, a device, a FIFO or a socket, and a file over the limit; a
// file that cannot be opened reads "cannot open <what>" ("file", "the file").
std::string read_input_file(const std::string& path, uint64_t limit, const std::string& what = "file");

// A path a command reads or writes, with its role in messages ("the scenario", "--report").
struct PathRole {
  std::string role;
  std::string path;
};
// Throws InputError when an output is one of the inputs, or two outputs are one file
// (compared by device and inode; a path not yet created by its folder's identity and its
// name). "-" (standard output) may be used once. Devices such as /dev/null may repeat.
// Then checks that each output can be written (check_writable), so that a command refuses a
// bad output before it computes or writes anything. The running geosim executable counts as
// an input of every command (`-o ./geosim` would replace the program).
void check_distinct_paths(const std::vector<PathRole>& inputs, const std::vector<PathRole>& outputs);
// Throws InputError, as write_file_atomic would, when an output cannot be written: its
// folder is missing or not writable, it is a folder, a socket, a block device or a link to
// nothing. Nothing is opened or created ("" and "-" pass).
void check_writable(const std::vector<PathRole>& outputs);
// The files geosim keeps in a result folder (a sweep's or a calibration's --output: its
// database, tables, posterior, summary, metadata, generations and lock), as inputs of the
// role "a file of " + `role`, when `dir` is a folder (none otherwise): a command that reads
// the folder must not write over them, even those it does not read itself.
std::vector<PathRole> result_folder_files(const std::string& dir, const std::string& role);
// The result folder `path` is or lies in: `path` itself when it is a folder; for a file, its
// folder when that holds a sweep's or a calibration's files (results.sqlite, results.csv,
// calibration.json, posterior.csv, the lock), also for a calibration's generations/N.json;
// "" otherwise. A command given one file of a result folder must not write over the others.
std::string result_folder_of(const std::string& path);
// The same, for the files a loaded scenario was read from through `extends:` (checked after
// loading, since only the loader knows them).
void check_not_extended(const std::vector<std::string>& extended, const std::vector<PathRole>& outputs);

// A results folder holds one kind of result: a sweep's (results.sqlite, results.csv) or a
// calibration's (calibration.json, generations/). Throws InputError when `dir` already holds
// the other kind, which would mix the two and leave `geosim report DIR` to guess.
enum class ResultFolder { Sweep, Calibration };
void check_result_folder(const std::string& dir, ResultFolder mine);

// An exclusive lock (flock) on DIR/.geosim.lock, taken at once or not at all: a folder
// another process holds is refused with InputError. The lock file stays; the lock goes
// with the object (or the process).
class DirLock {
 public:
  // `command` names who holds the lock in messages ("geosim sweep").
  DirLock(const std::string& dir, const std::string& command);
  ~DirLock();
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

  static constexpr const char* kFileName = ".geosim.lock";

 private:
  int fd_ = -1;
};

}  // namespace geosim
