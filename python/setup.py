"""Builds geosim's extension module with CMake for `pip install ./python --no-build-isolation`.

The extension (geosim/_geosim*.so) comes from one of:
  - GEOSIM_BUILD_DIR: an existing geosim build tree; its target geosim_python is brought up
    to date (`cmake --build DIR --target geosim_python`) and the module copied;
  - the checkout's build/ (from `make build`), when it holds the module for this Python;
  - otherwise a build tree of its own under python/build/, configured for this interpreter
    (ccache is used when installed, so a rebuild reuses earlier compilations).
"""
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")


def cache_value(build_dir: Path, key: str):
    cache = build_dir / "CMakeCache.txt"
    if not cache.is_file():
        return None
    for line in cache.read_text(errors="replace").splitlines():
        if line.startswith(key + ":"):
            return line.split("=", 1)[1]
    return None


def module_in(build_dir: Path) -> Path:
    return build_dir / "python" / "geosim" / ("_geosim" + SUFFIX)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        target = Path(self.get_ext_fullpath(ext.name)).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.setdefault("CCACHE_BASEDIR", str(ROOT))
        given = os.environ.get("GEOSIM_BUILD_DIR")  # relative to python/, where pip runs this
        checkout_build = ROOT / "build"
        if given:
            build_dir = Path(given).resolve()
            if cache_value(build_dir, "GEOSIM_WITH_PYTHON") != "ON":
                sys.exit(f"geosim: GEOSIM_BUILD_DIR={given} is not a geosim build tree with the Python module "
                         "(configure it with -DGEOSIM_WITH_PYTHON=ON)")
        elif cache_value(checkout_build, "GEOSIM_WITH_PYTHON") == "ON" and module_in(checkout_build).exists():
            build_dir = checkout_build
        else:
            build_dir = Path(self.build_temp).resolve() / "cmake"
            build_dir.mkdir(parents=True, exist_ok=True)
            if not (build_dir / "CMakeCache.txt").exists():
                cmd = ["cmake", "-S", str(ROOT), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
                       "-DGEOSIM_WITH_PYTHON=ON", "-DGEOSIM_BUILD_TESTS=OFF", f"-DPython_EXECUTABLE={sys.executable}"]
                if shutil.which("ninja"):
                    cmd += ["-G", "Ninja"]
                if shutil.which("ccache"):
                    cmd += ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"]
                subprocess.check_call(cmd, env=env)
        jobs = str(os.cpu_count() or 1)
        subprocess.check_call(["cmake", "--build", str(build_dir), "--target", "geosim_python", "-j", jobs], env=env)
        built = module_in(build_dir)
        if not built.exists():
            sys.exit(f"geosim: {build_dir} holds no module for this Python ({built.name}); it was configured "
                     f"for another interpreter. Unset GEOSIM_BUILD_DIR or configure it with "
                     f"-DPython_EXECUTABLE={sys.executable}")
        shutil.copyfile(built, target)


setup(packages=["geosim"], ext_modules=[Extension("geosim._geosim", sources=[])], cmdclass={"build_ext": CMakeBuild})
