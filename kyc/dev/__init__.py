"""Development tooling: the embedded stack of `kyc dev`, its processes, `kyc demo` and the
HTTP client that benchmarks and end-to-end tests share. Nothing in the domain imports it."""
