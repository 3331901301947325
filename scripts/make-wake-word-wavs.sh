#!/usr/bin/env bash
# The openWakeWord pipeline's test recordings (test/fixtures/openwakeword/*.wav): espeak-ng
# speaking a phrase, resampled to 16 kHz mono 16-bit PCM, padded with silence to the
# pipeline's fixed 31,712 samples (1.98 s: 196 mel frames, 16 embedding windows) so the
# speech ends 0.1 s before the end, where the head's last window sees all of it.
# Needs: apt-get install -y espeak-ng sox.   Run: bash scripts/make-wake-word-wavs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=test/fixtures/openwakeword
samples=31712
tail=1600
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

record() { # phrase file
  espeak-ng -v en -w "$tmp/raw.wav" "$1"
  sox -D "$tmp/raw.wav" -r 16000 -c 1 -b 16 "$tmp/16k.wav" # -D: no dither, so reruns give the same bytes
  local n lead
  n=$(soxi -s "$tmp/16k.wav")
  lead=$((samples - tail - n))
  if ((lead < 0)); then echo "'$1' is $n samples: too long for $samples" >&2; exit 1; fi
  sox -D "$tmp/16k.wav" "$out/$2" pad "${lead}s" "${tail}s"
  echo "$out/$2: '$1', $n samples of speech, $(soxi -s "$out/$2") in all"
}

record "hey jarvis" hey_jarvis.wav
record "good morning" good_morning.wav
