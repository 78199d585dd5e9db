"""Face data: the CMU reader and PGM codec, photo folders, synthetic faces, splits, fetch and
import of the CMU archive, and safe decoding of any image a user hands us."""
