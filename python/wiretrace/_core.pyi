import pyarrow as pa

__version__: str

def dedup_files(inputs: list[str], rows: str, options: list[str]) -> tuple[int, int, int]:
    """Runs `wiretrace dedup` on the files `inputs` with the command line's `options`,
    writing the rows to `rows` as Parquet; returns (documents, stories, duplicates)."""

# The pipeline's steps over Arrow record batches, for an engine that moves rows between
# machines (wiretrace.spark). Packed binary columns are little-endian: sets u32, positions u8,
# band keys and pairs u64. `flags` are `wiretrace dedup`'s command-line flags.
class Counters:
    """A partition's running counts of valid rows (overall and per outlet)."""
    def __init__(self) -> None: ...

def check_options(flags: list[str]) -> tuple[int, int, int]:
    """(permutations, bands, rows per band) of the options; refuses what the job cannot run."""
def widespread_plan(flags: list[str], n: int) -> tuple[int, int, float, int]:
    """(sample step, sample size, count cut in the sample, document-frequency cap) for n documents."""
def outlet_plan() -> tuple[int, int]:
    """(pages sampled per outlet, fewest pages an outlet needs for boilerplate of its own)."""
def shingle(batch: pa.RecordBatch, flags: list[str], part: int, counters: Counters) -> pa.RecordBatch:
    """Parses and shingles records (id, text, title, date, source, url, _pos)."""
def count_shingles(batch: pa.RecordBatch, parts: int) -> pa.RecordBatch:
    """Shingle counts of a batch of sets, by part of the shingle (kpart, blob)."""
def widespread(batch: pa.RecordBatch, cut: float) -> pa.RecordBatch:
    """The shingles of a part whose summed counts pass the cut (blob)."""
def outlet_boilerplate(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Each outlet's boilerplate from its sampled pages (source, boiler)."""
def sign(batch: pa.RecordBatch, flags: list[str], widespread: bytes) -> pa.RecordBatch:
    """Discounts and signs documents (doc, set, at, low, keys, size)."""
def lsh_entries(batch: pa.RecordBatch, parts: int) -> pa.RecordBatch:
    """(band key, document) entries by part of the key."""
def bucket_pairs(batch: pa.RecordBatch, block: int) -> pa.RecordBatch:
    """Every pair of bucket mates, by home part of the later document."""
def anchor_entries(batch: pa.RecordBatch, flags: list[str], parts: int) -> pa.RecordBatch:
    """(anchor, document, size, anchors) entries by part of the anchor."""
def anchor_pairs(batch: pa.RecordBatch, flags: list[str], block: int) -> pa.RecordBatch:
    """Pairs proposed under each anchor, by home part of the later document."""
def candidates(batch: pa.RecordBatch, flags: list[str], block: int) -> pa.RecordBatch:
    """A home's candidate pairs (kind 0) and the earlier documents they need (kind 1)."""
def verify_pairs(batch: pa.RecordBatch, flags: list[str]) -> pa.RecordBatch:
    """Verifies a home's pairs given its documents; each verified pair as an edge."""
def links(batch: pa.RecordBatch, flags: list[str]) -> pa.RecordBatch:
    """Each version's attach link from all its verified pairs (d, other, top)."""
def provenance(batch: pa.RecordBatch, flags: list[str]) -> pa.RecordBatch:
    """Provenance of whole stories: (doc, cluster, parent, similarity, duplicate)."""
def json_rows(batch: pa.RecordBatch) -> pa.RecordBatch:
    """The JSON lines `wiretrace dedup` writes for the rows (value)."""
