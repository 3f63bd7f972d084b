# Loads .envrc (direnv-style `export KEY=value` lines) into make, when present.
ifneq (,$(wildcard .envrc))
  include .envrc
  export $(shell sed -n 's/^export \([A-Z_][A-Z0-9_]*\)=.*/\1/p' .envrc)
endif
