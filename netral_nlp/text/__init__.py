"""Indonesian social-media text normalisation."""

from netral_nlp.text.encoding import repair_encoding
from netral_nlp.text.hashtags import split_hashtag
from netral_nlp.text.normalize import PRESETS, Normalizer, normalize
from netral_nlp.text.stemming import CachedStemmer

__all__ = ["PRESETS", "CachedStemmer", "Normalizer", "normalize", "repair_encoding", "split_hashtag"]
