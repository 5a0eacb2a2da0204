"""``python -m hs_japan``: the hs-japan command line."""

from hs_japan.entry import main

if __name__ == "__main__":
    main()
