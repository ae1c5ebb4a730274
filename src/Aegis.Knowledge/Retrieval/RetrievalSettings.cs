namespace Aegis.Knowledge.Retrieval;

/// <summary>How the indexes search: when to switch to the HNSW graph, its parameters, and the fusion constant.</summary>
public sealed record RetrievalSettings
{
    /// <summary>Collections with at least this many points answer unfiltered dense searches from the HNSW graph.</summary>
    public int AnnMinPoints { get; init; } = 50_000;

    public AnnSettings Ann { get; init; } = new();

    /// <summary>Candidates each ranking contributes before fusion.</summary>
    public int Candidates { get; init; } = 100;

    /// <summary>Reciprocal-rank-fusion constant; 60 is the value of Cormack, Clarke and Büttcher (SIGIR 2009), untuned here.</summary>
    public int RrfK { get; init; } = 60;
}
