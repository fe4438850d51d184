"""Research scripts: experiments behind the numbers in docs/, kept runnable but not benchmarks
(they print no ratio against a peer and are not part of `make bench`)."""
