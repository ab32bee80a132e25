# openvre: a notebook's attached data lake data as variables, in every IPython kernel.
# Installed by openvre into sys.prefix/etc/ipython/startup (IPython runs this folder's files in every
# shell of this environment; its config files have no .d folder, and a file of our own clobbers nothing).
# It only loads the extension openvre.jupyter.kernel, and only in kernels, not in terminal IPython.
# Remove this file to turn the injection off.


def _openvre_load_kernel_extension() -> None:
    import sys

    shell = get_ipython()  # type: ignore[name-defined]  # noqa: F821 - defined in IPython's namespace
    if shell is None or getattr(shell, "kernel", None) is None:
        return
    try:
        shell.extension_manager.load_extension("openvre.jupyter.kernel")
    except Exception as error:  # never break the kernel's start
        print(f"openvre: attached data is not set up in this kernel ({error})", file=sys.stderr)


_openvre_load_kernel_extension()
del _openvre_load_kernel_extension
