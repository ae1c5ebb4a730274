using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Node.Operations;

namespace Aegis.Node.Tests.Operations;

/// <summary>A damaged end record is refused as an altered file (the backup fuzz target's finding; its input is in fuzz/regressions/backup).</summary>
public sealed class BackupReaderTests
{
    [Theory]
    [InlineData(0, "end.blocks")]
    [InlineData(16, "end.checksum")]
    [InlineData(49, "end record")]
    public void An_end_record_of_the_wrong_length_is_refused_naming_it(int length, string named)
    {
        byte[] file = EmptyBackup(endPayload: new byte[length]);
        using BackupReader reader = BackupReader.Open(new MemoryStream(file), "test.aegisbak", null);
        Assert.Empty(reader.ReadBlocks(16));
        BackupFormatException e = Assert.Throws<BackupFormatException>(reader.ReadEnd);
        Assert.Contains("end record does not decode", e.Message);
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void The_writer_s_end_record_reads_back()
    {
        using var body = new MemoryStream();
        body.Write(BackupFile.Magic);
        body.WriteByte(BackupFile.ModePlain);
        using (var records = new BackupRecordWriter(body))
        {
            records.WriteHeader(Header());
            records.WriteEnd();
        }

        using BackupReader reader = BackupReader.Open(new MemoryStream(body.ToArray()), "test.aegisbak", null);
        Assert.Empty(reader.ReadBlocks(16));
        reader.ReadEnd();
    }

    private static BackupHeader Header() => new("c", Hash32.Zero, "node-0", "sqlite", 0, 0, Hash32.Zero, Hash32.Zero, 0, "test");

    private static byte[] EmptyBackup(byte[] endPayload)
    {
        var w = new CanonicalWriter(64);
        w.WriteFixed(BackupFile.Magic);
        w.WriteU8(BackupFile.ModePlain);
        byte[] header = Header().ToBytes();
        w.WriteU8((byte)BackupRecordKind.Header);
        w.WriteU32((uint)header.Length);
        w.WriteFixed(header);
        w.WriteU8((byte)BackupRecordKind.End);
        w.WriteU32((uint)endPayload.Length);
        w.WriteFixed(endPayload);
        return w.ToArray();
    }
}
