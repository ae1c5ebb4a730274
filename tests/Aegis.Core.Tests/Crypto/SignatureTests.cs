using Aegis.Core.Crypto;

namespace Aegis.Core.Tests.Crypto;

public class SignatureTests
{
    private static readonly byte[] Message = "block 42"u8.ToArray();

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    [InlineData(KeyAlgorithm.Ed25519)]
    public void A_signature_verifies_under_its_key_and_survives_a_text_round_trip_of_the_key(KeyAlgorithm algorithm)
    {
        IExportableSigner signer = Signers.Generate(algorithm);
        byte[] signature = Sign(signer, Message);

        Assert.True(signer.PublicKey.Verify(Message, signature));
        PublicKey parsed = PublicKey.Parse(signer.PublicKey.ToString());
        Assert.True(parsed.Verify(Message, signature));
        Assert.False(Signers.Generate(algorithm).PublicKey.Verify(Message, signature));
    }

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    [InlineData(KeyAlgorithm.Ed25519)]
    public void Any_flipped_bit_in_the_signature_or_the_message_fails(KeyAlgorithm algorithm)
    {
        IExportableSigner signer = Signers.Generate(algorithm);
        byte[] signature = Sign(signer, Message);

        for (int bit = 0; bit < signature.Length * 8; bit++)
        {
            byte[] flipped = (byte[])signature.Clone();
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(signer.PublicKey.Verify(Message, flipped), $"signature bit {bit}");
        }

        for (int bit = 0; bit < Message.Length * 8; bit++)
        {
            byte[] flipped = (byte[])Message.Clone();
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(signer.PublicKey.Verify(flipped, signature), $"message bit {bit}");
        }
    }

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    [InlineData(KeyAlgorithm.Ed25519)]
    public void Wrong_length_signatures_return_false_and_wrong_length_buffers_are_refused(KeyAlgorithm algorithm)
    {
        IExportableSigner signer = Signers.Generate(algorithm);
        byte[] signature = Sign(signer, Message);

        Assert.False(signer.PublicKey.Verify(Message, signature.AsSpan(0, Signature.Size - 1)));
        Assert.False(signer.PublicKey.Verify(Message, [.. signature, 0]));
        Assert.False(signer.PublicKey.Verify(Message, []));
        Assert.Throws<ArgumentException>(() => signer.Sign(Message, new byte[Signature.Size - 1]));
        Assert.Throws<ArgumentException>(() => signer.Sign(Message, new byte[Signature.Size + 1]));
    }

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    [InlineData(KeyAlgorithm.Ed25519)]
    public void Signing_and_verifying_are_safe_from_many_threads(KeyAlgorithm algorithm)
    {
        // The receive path verifies in parallel before messages enter the event loop; one key object serves all threads.
        IExportableSigner signer = Signers.Generate(algorithm);
        int failures = 0;
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            byte[] message = BitConverter.GetBytes(i);
            byte[] signature = Sign(signer, message);
            if (!signer.PublicKey.Verify(message, signature) || signer.PublicKey.Verify(BitConverter.GetBytes(i + 1), signature))
            {
                Interlocked.Increment(ref failures);
            }
        });
        Assert.Equal(0, failures);
    }

    private static byte[] Sign(ISigner signer, ReadOnlySpan<byte> message)
    {
        var signature = new byte[Signature.Size];
        signer.Sign(message, signature);
        return signature;
    }
}
