# openvre: a notebook's attached data lake data as variables, in every IPython kernel.
# Installed by openvre into sys.prefix/etc/ipython/startup (IPython runs this folder's files in every
# shell of this environment; its config files have no .d folder, and a file of our own clobbers nothing).
# It loads the extension openvre.jupyter.kernel in kernels only (not in terminal IPython), and only for
# notebooks that mention openvre, so other kernels start without importing it; "Add to notebook"
# loads it on demand. Remove this file to turn the injection off.


def _openvre_load_kernel_extension() -> None:
    import os
    import sys

    shell = get_ipython()  # type: ignore[name-defined]  # noqa: F821 - defined in IPython's namespace
    if shell is None or getattr(shell, "kernel", None) is None:
        return
    try:
        with open(os.environ.get("JPY_SESSION_NAME", ""), encoding="utf-8") as notebook:
            if '"openvre"' not in notebook.read():
                return
    except (OSError, ValueError):
        pass  # not readable from here (a relative path, say): the extension finds it or does nothing
    try:
        shell.extension_manager.load_extension("openvre.jupyter.kernel")
    except Exception as error:  # never break the kernel's start
        print(f"openvre: attached data is not set up in this kernel ({error})", file=sys.stderr)


_openvre_load_kernel_extension()
del _openvre_load_kernel_extension
