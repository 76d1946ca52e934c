# ``python -m console`` is kept as another name for ``python -m citygrid`` (scripts and
# tests started commands that way before the command line was split by layer).
from citygrid.cli import main

if __name__ == "__main__":  # not when a worker process imports it
    main()
