# -*- Python -*-
# lit configuration of the rapid tests.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "RAPID"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.rapid_obj_root, "test")
config.excludes = ["CMakeLists.txt", "README.md", "lit.cfg.py", "make_error_models.py",
                   "lit.site.cfg.py", "unit", "Inputs"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%rapid_src", config.rapid_src_root))
config.substitutions.append(("%default_model", config.rapid_default_model))
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(
    ("%onnx_text", config.python_executable + " " +
     os.path.join(config.rapid_src_root, "python", "onnx_text.py")))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

tool_dirs = [config.rapid_tools_dir, config.llvm_tools_dir]
tools = ["rapid-opt", "rapid-translate", "rapidc", "rapid-sim"]
llvm_config.add_tool_substitutions(tools, tool_dirs)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.rapid_tools_dir, append_path=True)
