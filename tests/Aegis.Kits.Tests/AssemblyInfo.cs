// One live cluster and external tools on two cores: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
