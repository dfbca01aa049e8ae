__version__: str

def dedup_files(inputs: list[str], rows: str, options: list[str]) -> tuple[int, int, int]:
    """Runs `wiretrace dedup` on the files `inputs` with the command line's `options`,
    writing the rows to `rows` as Parquet; returns (documents, stories, duplicates)."""
