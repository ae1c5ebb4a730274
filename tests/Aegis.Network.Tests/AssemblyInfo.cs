// The tests count handshake failures on a process-wide meter and share two cores: one test at a time keeps both exact.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
