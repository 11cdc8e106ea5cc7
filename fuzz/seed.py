#!/usr/bin/env python3
"""Fill fuzz/corpus/<target>/ with seeds from the repository's ROOT files.

read_file:  the small corpus and bench files whole (large ones slow libFuzzer down for little).
decode:     every supported histogram's object payload, as the decode target frames it.
decompress: every compressed key payload, as the decompress target frames it.
"""
import glob
import os
import struct

import uproot

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "tests", "data")
CLASSES = ["TH1C", "TH1S", "TH1I", "TH1F", "TH1D", "TH2C", "TH2S", "TH2I", "TH2F", "TH2D",
           "TProfile", "TProfile2D"]
MAX_SEED = 300_000


def out(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    files = sorted(glob.glob(os.path.join(DATA, "*", "*.root")))
    for path in files:
        base = os.path.basename(path)
        raw = open(path, "rb").read()
        if len(raw) <= MAX_SEED:
            out("read_file", base, raw)
        f = uproot.open(path)
        for i, k in enumerate(f.keys(recursive=True, cycle=True)):
            key = f.key(k)
            cls = key.fClassName
            if key.is_compressed:
                stored = f.file.source.chunk(key.data_cursor.index,
                                             key.data_cursor.index + key.fNbytes - key.fKeylen).raw_data.tobytes()
                if len(stored) <= MAX_SEED:
                    out("decompress", f"{base}-{i}", struct.pack(">I", key.fObjlen) + stored)
            if cls in CLASSES:
                chunk, _ = key.get_uncompressed_chunk_cursor()
                payload = chunk.raw_data.tobytes()
                if len(payload) <= MAX_SEED:
                    out("decode", f"{base}-{i}",
                        bytes([CLASSES.index(cls)]) + struct.pack(">H", key.fKeylen) + payload)


if __name__ == "__main__":
    main()
