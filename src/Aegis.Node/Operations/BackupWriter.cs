using System.Buffers.Binary;
using System.Security.Cryptography;
using Aegis.Core.Consensus;
using Aegis.Core.Encoding;
using Aegis.Storage;
using Aegis.Storage.Export;

namespace Aegis.Node.Operations;

/// <summary>What a finished backup holds.</summary>
public sealed record BackupSummary(BackupHeader Header, long Bytes, bool Encrypted);

/// <summary>
/// Writes a store snapshot as a backup file (<see cref="BackupFile"/>). Every block is re-checked on the way out
/// (chain link, certificate, state replay: <see cref="ChainReplay"/>), so a backup of a damaged store fails instead of
/// producing a file that restores nothing; the state written is the snapshot's, compared with the replay's.
/// </summary>
public static class BackupWriter
{
    private const int Batch = 256;

    /// <param name="progress">called with the height reached, now and then.</param>
    /// <exception cref="ChainCorruptException">the store's chain does not verify.</exception>
    public static async Task<BackupSummary> WriteAsync(IStoreSnapshot snapshot, Genesis genesis, string nodeId, string engine, string outPath, string? passphrase, Action<ulong>? progress, CancellationToken ct)
    {
        using BackupCipher? cipher = string.IsNullOrEmpty(passphrase) ? null : BackupCipher.Create(passphrase);
        return await WriteAsync(snapshot, genesis, nodeId, engine, outPath, cipher, progress, ct).ConfigureAwait(false);
    }

    /// <param name="cipher">seals the body (<see cref="BackupCipher.Create"/>), or null for a plain file.</param>
    /// <exception cref="ChainCorruptException">the store's chain does not verify.</exception>
    public static async Task<BackupSummary> WriteAsync(IStoreSnapshot snapshot, Genesis genesis, string nodeId, string engine, string outPath, BackupCipher? cipher, Action<ulong>? progress, CancellationToken ct)
    {
        ChainTip tip = snapshot.Tip;
        var header = new BackupHeader(genesis.ChainId, genesis.Hash, nodeId, engine, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), tip.Height, tip.IsEmpty ? genesis.Hash : tip.BlockHash, tip.StateRoot, (ulong)await snapshot.CountStateAsync(ct).ConfigureAwait(false), Aegis.Core.AegisVersion.Value);
        string partial = outPath + ".partial";
        bool encrypted = cipher is not null;
        try
        {
            // A backup holds every value on the chain: readable by its owner only, like the node's key file.
            var create = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 1 << 16 };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using (var file = new FileStream(partial, create))
            {
                file.Write(BackupFile.Magic);
                file.WriteByte(encrypted ? BackupFile.ModeSealed : BackupFile.ModePlain);
                if (cipher is not null)
                {
                    file.Write(cipher.Preamble);
                    file.Write(cipher.KeyCheck());
                }

                SealingStream? sealing = cipher is null ? null : new SealingStream(file, cipher);
                var body = new BufferedStream(sealing ?? (Stream)file, 1 << 20);
                using var records = new BackupRecordWriter(body);
                records.WriteHeader(header);

                var replay = new ChainReplay(genesis);
                var batch = new List<StoredBlock>(Batch);
                await foreach (StoredBlock b in snapshot.ReadBlocksAsync(1, tip.Height, ct).ConfigureAwait(false))
                {
                    batch.Add(b);
                    if (batch.Count == Batch)
                    {
                        WriteBatch(replay, batch, records);
                        progress?.Invoke(replay.Height);
                    }
                }

                WriteBatch(replay, batch, records);
                if (replay.Height != tip.Height)
                {
                    throw new ChainCorruptException(replay.Height + 1, $"block {replay.Height + 1} is missing (the tip row says {tip.Height})");
                }

                if (tip.Height > 0 && (replay.TipHash != tip.BlockHash || replay.StateRoot != tip.StateRoot))
                {
                    throw new ChainCorruptException(tip.Height, "the tip row does not match the last block");
                }

                // One pass over the state: each entry is written and compared with the replay as it streams by.
                async IAsyncEnumerable<KvEntry> WrittenState()
                {
                    await foreach (KvEntry e in snapshot.ReadStateAsync(ct).ConfigureAwait(false))
                    {
                        records.WriteEntry(e);
                        yield return e;
                    }
                }

                if (await replay.CompareStateAsync(WrittenState(), ct).ConfigureAwait(false) is { } bad)
                {
                    throw new ChainCorruptException(bad.Height, bad.Reason);
                }

                records.WriteEnd();
                await body.FlushAsync(ct).ConfigureAwait(false);
                sealing?.Finish();
                await file.FlushAsync(ct).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }

            File.Move(partial, outPath, overwrite: true);
            return new BackupSummary(header, new FileInfo(outPath).Length, encrypted);
        }
        finally
        {
            if (File.Exists(partial))
            {
                File.Delete(partial);
            }
        }
    }

    private static void WriteBatch(ChainReplay replay, List<StoredBlock> batch, BackupRecordWriter records)
    {
        string?[] certificates = replay.VerifyCertificates(batch);
        for (int i = 0; i < batch.Count; i++)
        {
            StoredBlock b = batch[i];
            if (replay.Append(b, certificates[i]).Problem is { } problem)
            {
                throw new ChainCorruptException(b.Height, problem);
            }

            records.WriteBlock(b);
        }

        batch.Clear();
    }
}

/// <summary>A stored chain that does not verify: the first bad height and why.</summary>
public sealed class ChainCorruptException(ulong height, string reason) : Exception($"corrupt at height {height}: {reason}")
{
    public ulong Height { get; } = height;

    public string Reason { get; } = reason;
}
