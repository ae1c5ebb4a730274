using System.Security.Cryptography;
using Aegis.Node.Operations;
using Aegis.Storage;
using Aegis.Storage.Memory;

namespace Aegis.Fuzz.Targets;

/// <summary>
/// A backup file handed to <c>aegis restore</c>, end to end: <see cref="BackupReader"/> over the bytes (plain, or the
/// sealed-chunk stream under a fixed test key), then <see cref="Restorer.ReplayIntoAsync"/> into a scratch memory store
/// (every block against the genesis, the state against the replay, the end record), as the restore does. The clear
/// error is a <see cref="BackupFormatException"/> with a message (the CLI prints it as the refusal, exit 1); any other
/// exception is a finding, and so is an accepted plain file that is not exactly the encoding of what it restored.
/// </summary>
public static class BackupTargets
{
    /// <summary>Parameters of the seeds' encryption header. The KDF is skipped (<see cref="TestKey"/> is used whatever the header says), so an execution costs no PBKDF2; a mutated salt or count still changes the key check's associated data and reads as a wrong key, as in production.</summary>
    public const int SeedIterations = 100_000;

    public static byte[] SeedSalt => new byte[BackupCipher.SaltSize];

    public static byte[] SeedPrefix => "fuzz"u8.ToArray();

    public static IEnumerable<FuzzTarget> All =>
    [
        new("backup", "backup", "BackupReader.Open (plain; sealed chunks under a fixed test key) → Restorer.ReplayIntoAsync into a memory store", Backup),
    ];

    /// <summary>The fixed 256-bit test key the seeds are sealed with (a fresh copy: the cipher takes ownership and zeroes it).</summary>
    public static byte[] TestKey() => SHA256.HashData("aegis-fuzz-backup-test-key"u8);

    private static void Backup(ReadOnlySpan<byte> input) => Restore(input);

    /// <summary>Restores one file into a scratch store: the tip height restored, or null when it was refused with the clear error.</summary>
    public static ulong? Restore(ReadOnlySpan<byte> input)
    {
        byte[] bytes = input.ToArray();
        ulong tip;
        bool encrypted;
        try
        {
            using BackupReader reader = Open(bytes);
            var store = new MemoryNodeStore(new MemoryStoreData("fuzz-restore"), FuzzChain.Genesis.Hash);
            store.InitializeAsync(CancellationToken.None).GetAwaiter().GetResult();
            Restorer.ReplayIntoAsync(reader, FuzzChain.Genesis, store, null, CancellationToken.None).GetAwaiter().GetResult();
            tip = store.GetTipAsync(CancellationToken.None).GetAwaiter().GetResult().Height;
            encrypted = reader.Encrypted;
        }
        catch (BackupFormatException ex)
        {
            FuzzOracleException.RequireMessage(ex);
            return null;
        }

        // An accepted plain file has one form: the records of what it restored, as the writer encodes them. (A sealed
        // file's body is authenticated under the key, so only the writer could have produced it.)
        if (!encrypted)
        {
            FuzzOracleException.RequireSameBytes(bytes, Reencode(bytes), $"backup of {tip} blocks");
        }

        return tip;
    }

    private static BackupReader Open(byte[] bytes) =>
        BackupReader.Open(new MemoryStream(bytes, writable: false), "the backup", parameters => BackupCipher.OpenWithKey(parameters, TestKey()));

    /// <summary>Reads an accepted plain file again and writes what it holds with the backup writer's record encoder.</summary>
    private static byte[] Reencode(byte[] bytes)
    {
        using BackupReader reader = Open(bytes);
        var output = new MemoryStream();
        output.Write(BackupFile.Magic);
        output.WriteByte(BackupFile.ModePlain);
        using var records = new BackupRecordWriter(output);
        records.WriteHeader(reader.Header);
        foreach (List<StoredBlock> batch in reader.ReadBlocks(256))
        {
            batch.ForEach(records.WriteBlock);
        }

        foreach (KvEntry entry in reader.ReadEntries().ToBlockingEnumerable())
        {
            records.WriteEntry(entry);
        }

        reader.ReadEnd();
        records.WriteEnd();
        return output.ToArray();
    }
}
