using Aegis.Core.Crypto;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;
using Aegis.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Aegis.Storage.Tests.Sqlite;

/// <summary>The state tree over a real SQLite file: same roots as in memory, reopened from disk, pruning, and an altered row refused.</summary>
public sealed class SqliteTreeNodeStoreTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"aegis-state-nodes-{Guid.NewGuid():N}.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(_path);
    }

    private SqliteConnection Open()
    {
        var c = new SqliteConnection($"Data Source={_path}");
        c.Open();
        SqliteTreeNodeStore.EnsureTable(c);
        return c;
    }

    private static byte[] B(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    private static List<StateChange> Block(int block) =>
        [.. Enumerable.Range(0, 200).Select(i => (i * 7 + block) % 500).Distinct().Select(k => new StateChange(B($"k{k}"), (k + block) % 5 == 0 ? null : B($"v{k}@{block}")))];

    [Fact]
    public void Blocks_written_in_transactions_give_the_in_memory_roots_and_survive_a_reopen()
    {
        var memory = new InMemoryTreeNodeStore();
        Hash32 memoryRoot = StateTree.EmptyRoot, sqliteRoot = StateTree.EmptyRoot;
        using (SqliteConnection c = Open())
        {
            var store = new SqliteTreeNodeStore(c);
            for (int b = 1; b <= 10; b++)
            {
                TreeUpdate m = StateTree.Update(memory, memoryRoot, Block(b), (ulong)b);
                memory.Apply(m, (ulong)b);
                memoryRoot = m.Root;

                using SqliteTransaction tx = c.BeginTransaction();
                store.Transaction = tx;
                TreeUpdate s = StateTree.Update(store, sqliteRoot, Block(b), (ulong)b);
                store.Apply(s, (ulong)b);
                tx.Commit();
                store.Transaction = null;
                sqliteRoot = s.Root;
                Assert.Equal(memoryRoot, sqliteRoot);
            }

            Assert.True(store.PruneStaleUpTo(10) > 0);
        }

        using SqliteConnection reopened = Open();
        var again = new SqliteTreeNodeStore(reopened);
        Assert.Equal(memoryRoot, StateTree.Build(StateTree.Leaves(again, sqliteRoot).Select(l => new KeyValuePair<byte[], byte[]>(l.Key, l.Value)).ToList()).Root);
        StateProof proof = StateTree.Prove(again, sqliteRoot, B("k7"), out byte[]? value);
        Assert.Null(proof.Verify(sqliteRoot, B("k7"), value ?? [], value is not null));
    }

    [Fact]
    public void A_row_altered_on_disk_is_refused_at_the_read_naming_the_node()
    {
        Hash32 root;
        using (SqliteConnection c = Open())
        {
            var store = new SqliteTreeNodeStore(c);
            TreeUpdate u = StateTree.Update(store, StateTree.EmptyRoot, Block(1), 1);
            store.Apply(u, 1);
            root = u.Root;
            // Rewrite k1's value inside its leaf row, as an operator with sqlite3 could: v1@1 becomes v9@1.
            TreeNode leaf = u.NewNodes.Single(n => n.Kind == TreeNodeKind.Leaf && n.Key.AsSpan().SequenceEqual(B("k1")));
            byte[] bytes = leaf.ToBytes();
            bytes[^3] = (byte)'9';
            using SqliteCommand tamper = c.CreateCommand();
            tamper.CommandText = "UPDATE state_nodes SET node = $node WHERE version = 1 AND hash = $hash";
            tamper.Parameters.AddWithValue("$node", bytes);
            tamper.Parameters.AddWithValue("$hash", leaf.Hash.ToArray());
            Assert.Equal(1, tamper.ExecuteNonQuery());
        }

        using SqliteConnection reopened = Open();
        var again = new SqliteTreeNodeStore(reopened);
        StorageException ex = Assert.Throws<StorageException>(() => StateTree.Get(again, root, B("k1")));
        Assert.Contains("corrupt", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(StateTree.Get(again, root, B("k8")));
    }

    [Fact]
    public void A_stale_log_row_cut_short_is_refused_at_pruning_and_nothing_is_deleted()
    {
        using SqliteConnection c = Open();
        var store = new SqliteTreeNodeStore(c);
        Hash32 root = StateTree.EmptyRoot;
        for (int b = 1; b <= 3; b++)
        {
            TreeUpdate u = StateTree.Update(store, root, Block(b), (ulong)b);
            store.Apply(u, (ulong)b);
            root = u.Root;
        }

        long Count(string sql)
        {
            using SqliteCommand count = c.CreateCommand();
            count.CommandText = sql;
            return (long)count.ExecuteScalar()!;
        }

        using (SqliteCommand cut = c.CreateCommand())
        {
            cut.CommandText = "UPDATE state_stale SET nodes = substr(nodes, 1, length(nodes) - 1) WHERE since = 2";
            Assert.Equal(1, cut.ExecuteNonQuery());
        }

        long nodes = Count("SELECT COUNT(*) FROM state_nodes");
        using (SqliteTransaction tx = c.BeginTransaction())
        {
            store.Transaction = tx;
            StoreCorruptException ex = Assert.Throws<StoreCorruptException>(() => store.PruneStaleUpTo(3));
            Assert.Contains("state_stale row of version 2", ex.Message, StringComparison.Ordinal);
            tx.Rollback();
            store.Transaction = null;
        }

        Assert.Equal(nodes, Count("SELECT COUNT(*) FROM state_nodes"));
        Assert.Equal(2, Count("SELECT COUNT(*) FROM state_stale")); // blocks 2 and 3: block 1 built the tree from nothing
        Assert.NotNull(StateTree.Get(store, root, B("k8")));
    }
}
