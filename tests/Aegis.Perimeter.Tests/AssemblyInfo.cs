// Clusters of real processes share two cores and a port range: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
