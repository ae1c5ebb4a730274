namespace Aegis.Knowledge.Retrieval;

/// <summary>One collection to search and the filter its points must pass (access rules and payload filters combined).</summary>
public sealed record SearchTarget(CollectionIndex Collection, Func<Point, bool>? Filter);
