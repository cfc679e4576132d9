"""Importing PyTorch for the bench scripts, which are optional: the build and tests never need it.

Debian packages PyTorch for the system interpreter (apt-get install python3-torch
libopenblas0-pthread). When `python3` on PATH is another interpreter (pyenv, a venv) that cannot
import torch, the script is re-run under /usr/bin/python3 once, if that one can.
"""

import os
import sys

INSTALL_HINT = ("PyTorch is not installed. It is optional (only bench/*.py need it); on Debian 12:\n"
                "  sudo apt-get install python3-torch libopenblas0-pthread python3-pil\n"
                "then run this script with /usr/bin/python3.")


def import_torch():
    try:
        import torch
        return torch
    except ImportError:
        system = "/usr/bin/python3"
        if (os.path.realpath(sys.executable) != os.path.realpath(system) and os.path.exists(system)
                and not os.environ.get("ALEXNET_VK_TORCH_REEXEC")):
            os.environ["ALEXNET_VK_TORCH_REEXEC"] = "1"
            os.execv(system, [system] + sys.argv)
        sys.exit(INSTALL_HINT)
