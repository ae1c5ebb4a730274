using Aegis.Knowledge.Embeddings;

namespace Aegis.Knowledge.Tests.Support;

/// <summary>One arctic-embed-xs encoder for every test that embeds (loading it takes about a second).</summary>
public sealed class ModelFixture : IDisposable
{
    public ArcticEmbedder Embedder { get; } = new();

    public void Dispose() => Embedder.Dispose();
}

[CollectionDefinition(Name)]
public sealed class ModelCollection : ICollectionFixture<ModelFixture>
{
    public const string Name = "model";
}
