using System.Buffers.Binary;
using System.Security.Cryptography;
using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Storage;

namespace Aegis.Node.Operations;

/// <summary>
/// The write side of a backup body's records (<see cref="BackupFile"/>): frames each record and hashes every byte it
/// writes for the end record's checksum. The one encoder of the format: <see cref="BackupWriter"/> writes files with
/// it, and the backup fuzz target re-encodes what <see cref="BackupReader"/> accepted with it.
/// </summary>
public sealed class BackupRecordWriter(Stream body) : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private ulong _blocks;
    private ulong _entries;

    public void WriteHeader(BackupHeader header) => Write(BackupRecordKind.Header, header.ToBytes());

    public void WriteBlock(StoredBlock b)
    {
        byte[] block = b.Block.ToBytes();
        byte[] certificate = b.Certificate.ToBytes();
        var w = new CanonicalWriter(block.Length + certificate.Length + 48);
        w.WriteBytes32(block);
        w.WriteBytes32(certificate);
        w.WriteHash(b.StateRootAfter);
        Write(BackupRecordKind.Block, w.WrittenSpan);
        _blocks++;
    }

    public void WriteEntry(KvEntry e)
    {
        var w = new CanonicalWriter(e.Key.Length + e.Value.Length + 16);
        w.WriteBytes16(e.Key);
        w.WriteBytes32(e.Value);
        w.WriteU64(e.Height);
        Write(BackupRecordKind.Entry, w.WrittenSpan);
        _entries++;
    }

    /// <summary>The end record: the counts written and the SHA-256 of every body byte before it.</summary>
    public void WriteEnd()
    {
        var end = new CanonicalWriter(64);
        end.WriteU64(_blocks);
        end.WriteU64(_entries);
        end.WriteHash(new Hash32(_hash.GetHashAndReset()));
        Write(BackupRecordKind.End, end.WrittenSpan);
    }

    public void Dispose() => _hash.Dispose();

    private void Write(BackupRecordKind kind, ReadOnlySpan<byte> payload)
    {
        Span<byte> frame = stackalloc byte[5];
        frame[0] = (byte)kind;
        BinaryPrimitives.WriteUInt32BigEndian(frame[1..], (uint)payload.Length);
        if (kind != BackupRecordKind.End)
        {
            _hash.AppendData(frame);
            _hash.AppendData(payload);
        }

        body.Write(frame);
        body.Write(payload);
    }
}
