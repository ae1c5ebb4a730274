using Aegis.Knowledge.Storage;
using Aegis.Knowledge.Tests.Support;
using Aegis.Storage;

namespace Aegis.Knowledge.Tests.Storage;

/// <summary>
/// One contract for both engines. PostgreSQL runs when AEGIS_TEST_POSTGRES_URL is set (scripts/test-postgres.sh start
/// prints it; .ci/run sets it) and fails loudly in CI without it; each run uses its own schema.
/// </summary>
public sealed class KnowledgeStoreTests
{
    public static TheoryData<string> Engines => new() { "sqlite", "postgresql" };

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Documents_and_points_round_trip_and_go_together(string engine)
    {
        using var dir = new TempDirectory();
        await using IKnowledgeStore? store = Open(engine, dir.Path);
        if (store is null)
        {
            return;
        }

        await store.InitializeAsync(CancellationToken.None);
        Assert.True(await store.CreateCollectionAsync(new CollectionRecord("general_knowledge", 3, "Cosine", true, 1), CancellationToken.None));
        Assert.False(await store.CreateCollectionAsync(new CollectionRecord("general_knowledge", 3, "Cosine", true, 1), CancellationToken.None));
        var doc = new DocumentRecord("d1", "general_knowledge", "alice", "eng", "a.pdf", "pdf", 10, "ab", 2, "m", "1", 5, "d1.pdf");
        StoredPoint[] chunks =
        [
            new("c1", [1, 2, 3], """{"doc_id":"d1","text":"one"}""", "one", "alice", "eng", "d1", "m", "1"),
            new("c2", [0.5f, -1, 1e-7f], """{"doc_id":"d1","text":"two"}""", "two", "alice", "eng", "d1", "m", "1"),
        ];
        await store.AddDocumentAsync(doc, chunks, CancellationToken.None);
        await store.UpsertPointsAsync("general_knowledge", [new StoredPoint("7", [9, 9, 9], "{}", null, null, null, null, "client", "")], CancellationToken.None);

        Assert.Equal(doc, await store.GetDocumentAsync("d1", CancellationToken.None));
        IReadOnlyList<StoredPoint> loaded = await store.LoadPointsAsync("general_knowledge", CancellationToken.None);
        Assert.Equal(["c1", "c2", "7"], loaded.Select(p => p.Id));
        Assert.Equal(chunks[1].Vector, loaded[1].Vector);
        Assert.Equal("eng", loaded[0].AreaId);
        Assert.Equal("m", loaded[0].Model);

        Assert.True(await store.DeleteDocumentAsync("d1", CancellationToken.None));
        Assert.Null(await store.GetDocumentAsync("d1", CancellationToken.None));
        Assert.Equal(["7"], (await store.LoadPointsAsync("general_knowledge", CancellationToken.None)).Select(p => p.Id));
        Assert.Equal(1, await store.DeletePointsAsync("general_knowledge", ["7", "8"], CancellationToken.None));
        Assert.True(await store.DeleteCollectionAsync("general_knowledge", CancellationToken.None));
        Assert.Empty(await store.LoadCollectionsAsync(CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_failed_document_write_leaves_no_chunk_behind(string engine)
    {
        using var dir = new TempDirectory();
        await using IKnowledgeStore? store = Open(engine, dir.Path);
        if (store is null)
        {
            return;
        }

        await store.InitializeAsync(CancellationToken.None);
        await store.CreateCollectionAsync(new CollectionRecord("c", 2, "Cosine", true, 1), CancellationToken.None);
        var doc = new DocumentRecord("d1", "c", "alice", null, "a.txt", "text", 1, "x", 2, "m", "1", 5, "d1.txt");
        await store.AddDocumentAsync(doc, [], CancellationToken.None);

        // The same document id again: the transaction fails and its chunk must not appear.
        StoredPoint chunk = new("c9", [1, 1], "{}", "t", "alice", null, "d1", "m", "1");
        StorageException failed = await Assert.ThrowsAsync<StorageException>(() => store.AddDocumentAsync(doc, [chunk], CancellationToken.None));
        Assert.IsAssignableFrom<System.Data.Common.DbException>(failed.InnerException);
        Assert.Empty(await store.LoadPointsAsync("c", CancellationToken.None));
    }

    private static IKnowledgeStore? Open(string engine, string dir)
    {
        if (engine == "sqlite")
        {
            return SqlKnowledgeStore.Create(new StorageOptions { Type = "sqlite", DataDirectory = dir });
        }

        string? url = Environment.GetEnvironmentVariable("AEGIS_TEST_POSTGRES_URL");
        if (string.IsNullOrEmpty(url))
        {
            Assert.False(RepositoryPaths.IsCi, "CI=true but AEGIS_TEST_POSTGRES_URL is not set: the PostgreSQL knowledge store must be tested in CI");
            return null; // locally: export AEGIS_TEST_POSTGRES_URL="$(scripts/test-postgres.sh start)" to include PostgreSQL
        }

        return SqlKnowledgeStore.Create(new StorageOptions { Type = "postgresql", ConnectionString = url, Schema = "knowledge_test_" + Guid.NewGuid().ToString("N")[..12] });
    }
}
