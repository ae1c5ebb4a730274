using System.Security.Cryptography;
using Aegis.Node.Operations;

namespace Aegis.Node.Tests.Operations;

/// <summary>The sealed-chunk stream of encrypted backups: round trips at and around chunk boundaries, and every way a file can be cut or shuffled is refused.</summary>
public sealed class BackupCipherTests
{
    private const string Passphrase = "backup-cipher-test";
    private const int Iterations = 100_000;

    [Theory]
    [InlineData(0)]
    [InlineData(17)]
    [InlineData(BackupCipher.ChunkSize)]
    [InlineData((2 * BackupCipher.ChunkSize) + 5)]
    public void Sealed_bodies_round_trip(int length)
    {
        byte[] plain = RandomNumberGenerator.GetBytes(length);
        (byte[] parameters, byte[] body) = Seal(plain);
        Assert.Equal(plain, Open(parameters, body, Passphrase));
    }

    [Fact]
    public void A_file_cut_at_a_chunk_boundary_is_truncated_not_short()
    {
        (byte[] parameters, byte[] body) = Seal(RandomNumberGenerator.GetBytes((2 * BackupCipher.ChunkSize) + 5));
        byte[] cut = body[..(BackupCipher.ChunkSize + BackupCipher.TagSize)];
        BackupFormatException e = Assert.Throws<BackupFormatException>(() => Open(parameters, cut, Passphrase));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Swapped_chunks_a_flipped_bit_and_a_wrong_key_are_refused()
    {
        (byte[] parameters, byte[] body) = Seal(RandomNumberGenerator.GetBytes((2 * BackupCipher.ChunkSize) + 5));
        int chunk = BackupCipher.ChunkSize + BackupCipher.TagSize;
        byte[] swapped = [.. body[chunk..(2 * chunk)], .. body[..chunk], .. body[(2 * chunk)..]];
        Assert.Contains("altered", Assert.Throws<BackupFormatException>(() => Open(parameters, swapped, Passphrase)).Message);

        byte[] flipped = (byte[])body.Clone();
        flipped[chunk + 3] ^= 0x10;
        Assert.Contains("chunk 1", Assert.Throws<BackupFormatException>(() => Open(parameters, flipped, Passphrase)).Message);

        Assert.Contains("wrong AEGIS_ENCRYPTION_KEY", Assert.Throws<BackupFormatException>(() => Open(parameters, body, "another passphrase")).Message);
    }

    private static (byte[] Parameters, byte[] Body) Seal(byte[] plain)
    {
        using BackupCipher cipher = BackupCipher.Create(Passphrase, Iterations);
        byte[] parameters = [.. cipher.Preamble, .. cipher.KeyCheck()];
        using var file = new MemoryStream();
        var sealing = new SealingStream(file, cipher);
        sealing.Write(plain);
        sealing.Finish();
        return (parameters, file.ToArray());
    }

    private static byte[] Open(byte[] parameters, byte[] body, string passphrase)
    {
        using BackupCipher cipher = BackupCipher.Open(parameters, passphrase);
        using var opening = new OpeningStream(new MemoryStream(body), cipher);
        using var plain = new MemoryStream();
        opening.CopyTo(plain);
        return plain.ToArray();
    }
}
