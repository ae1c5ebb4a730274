using Aegis.Core.Crypto;
using Aegis.Core.Encoding;

namespace Aegis.Node.Operations;

/// <summary>
/// The backup file, <c>aegis backup</c>'s own format (the same for both engines):
/// <code>
/// "AEGISBK1" ‖ u8 mode (0 plain, 1 sealed: parameters ‖ key check, then the body in sealed chunks, see BackupCipher)
/// body: records, each u8 kind ‖ u32 length ‖ payload
///   header  format version, chain id, genesis hash, node id, engine, created, tip (height, hash, state root), state count
///   block   block bytes, certificate bytes, state root after it           (heights 1..tip, in order)
///   entry   key, value, height of the block that wrote it                  (the state at the tip, by key)
///   end     block count, entry count, SHA-256 of every body byte before this record
/// </code>
/// Self-verifying: the reader checks every block's chain link and certificate against the genesis validator set,
/// replays the state, compares it with the entries, and checks the counts and the checksum, so a damaged, truncated or
/// foreign file is refused with the reason.
/// </summary>
public static class BackupFile
{
    public const ushort FormatVersion = 1;
    public const byte ModePlain = 0;
    public const byte ModeSealed = 1;

    /// <summary>A full block (16 MiB) plus its certificate fits; anything longer is damage, not data.</summary>
    public const int MaxRecordBytes = 24 * 1024 * 1024;

    public static readonly byte[] Magic = "AEGISBK1"u8.ToArray();
}

public enum BackupRecordKind : byte
{
    Header = 1,
    Block = 2,
    Entry = 3,
    End = 4,
}

/// <summary>What a backup says about itself, checked before anything is restored.</summary>
public sealed record BackupHeader(string ChainId, Hash32 GenesisHash, string NodeId, string Engine, long CreatedMs, ulong TipHeight, Hash32 TipHash, Hash32 TipStateRoot, ulong StateCount, string AegisVersion)
{
    public byte[] ToBytes()
    {
        var w = new CanonicalWriter(256);
        w.WriteU16(BackupFile.FormatVersion);
        w.WriteString8(ChainId);
        w.WriteHash(GenesisHash);
        w.WriteString8(NodeId);
        w.WriteString8(Engine);
        w.WriteI64(CreatedMs);
        w.WriteU64(TipHeight);
        w.WriteHash(TipHash);
        w.WriteHash(TipStateRoot);
        w.WriteU64(StateCount);
        w.WriteString8(AegisVersion);
        return w.ToArray();
    }

    public static BackupHeader FromBytes(ReadOnlySpan<byte> bytes)
    {
        var r = new CanonicalReader(bytes);
        ushort version = r.ReadU16("backup.format_version");
        if (version != BackupFile.FormatVersion)
        {
            throw new BackupFormatException($"format version {version}: this aegis reads version {BackupFile.FormatVersion} (written by a newer aegis?)");
        }

        var header = new BackupHeader(
            r.ReadString8("backup.chain_id"),
            r.ReadHash("backup.genesis_hash"),
            r.ReadString8("backup.node_id"),
            r.ReadString8("backup.engine"),
            r.ReadI64("backup.created"),
            r.ReadU64("backup.tip_height"),
            r.ReadHash("backup.tip_hash"),
            r.ReadHash("backup.tip_state_root"),
            r.ReadU64("backup.state_count"),
            r.ReadString8("backup.aegis_version"));
        r.EnsureEnd("backup header");
        return header;
    }
}

/// <summary>A backup file that cannot be used: the message names the problem (truncated, altered, wrong key, another chain).</summary>
public sealed class BackupFormatException(string message, Exception? inner = null) : Exception(message, inner);
