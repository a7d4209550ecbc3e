// Coyote explorations are CPU-bound and each engine owns the scheduling of its own threads: run tests one at a time
// (CI has 2 shared cores), so one test's exploration never competes with another's.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
