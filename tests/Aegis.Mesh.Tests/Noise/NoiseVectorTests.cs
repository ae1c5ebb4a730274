using System.Text.Json;
using Aegis.Mesh.Noise;

namespace Aegis.Mesh.Tests.Noise;

/// <summary>
/// The published cacophony vectors (../shared/data/noise/cacophony.json, from the Haskell implementation, redistributed
/// by mcginty/snow): every vector over X25519 with a hash this build has (SHA256, SHA512, BLAKE2b) and a fundamental
/// pattern, with or without psk, must produce byte-identical handshake messages, handshake hash and transport messages.
/// </summary>
public sealed class NoiseVectorTests
{
    public static TheoryData<string> Vectors()
    {
        var data = new TheoryData<string>();
        foreach (JsonElement v in Load())
        {
            string name = v.GetProperty("protocol_name").GetString()!;
            if (NoiseProtocol.Parse(name) is not null)
            {
                data.Add(name);
            }
        }

        return data;
    }

    [Fact]
    public void The_vector_file_holds_the_protocols_AegisRay_speaks_and_hundreds_more()
    {
        List<string> supported = Load().Select(v => v.GetProperty("protocol_name").GetString()!).Where(n => NoiseProtocol.Parse(n) is not null).ToList();
        Assert.Contains("Noise_IX_25519_AESGCM_SHA256", supported);
        Assert.Contains("Noise_IX_25519_ChaChaPoly_SHA256", supported);
        // 15 fundamental patterns + 21 psk variants, 2 ciphers, 3 hashes: 216 vectors (deferred patterns, BLAKE2s and 448 excluded).
        Assert.Equal(216, supported.Count);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Vector_reproduces_byte_for_byte(string protocolName)
    {
        JsonElement vector = Load().First(v => v.GetProperty("protocol_name").GetString() == protocolName);
        NoiseProtocol protocol = NoiseProtocol.Parse(protocolName)!;
        using HandshakeState initiator = Side(protocol, vector, "init", initiator: true);
        using HandshakeState responder = Side(protocol, vector, "resp", initiator: false);

        JsonElement[] messages = vector.GetProperty("messages").EnumerateArray().ToArray();
        int handshakeMessages = protocol.Pattern.Messages.Count;
        CipherState? i2r = null, r2i = null;
        for (int m = 0; m < messages.Length; m++)
        {
            byte[] payload = Hex(messages[m], "payload");
            byte[] expected = Hex(messages[m], "ciphertext");
            bool initiatorSends = protocol.Pattern.IsOneWay || m % 2 == 0;
            byte[] wire;
            if (m < handshakeMessages)
            {
                (HandshakeState writer, HandshakeState reader) = initiatorSends ? (initiator, responder) : (responder, initiator);
                wire = writer.WriteMessage(payload);
                Assert.Equal(Convert.ToHexStringLower(expected), Convert.ToHexStringLower(wire));
                Assert.Equal(payload, reader.ReadMessage(wire));
                if (m == handshakeMessages - 1)
                {
                    Assert.Equal(vector.GetProperty("handshake_hash").GetString(), Convert.ToHexStringLower(initiator.HandshakeHash));
                    Assert.Equal(vector.GetProperty("handshake_hash").GetString(), Convert.ToHexStringLower(responder.HandshakeHash));
                    (i2r, r2i) = initiator.SplitStates();
                }
            }
            else
            {
                CipherState sender = initiatorSends ? i2r! : r2i!;
                wire = sender.EncryptWithAd([], payload);
                Assert.Equal(Convert.ToHexStringLower(expected), Convert.ToHexStringLower(wire));
            }
        }

        Assert.True(initiator.IsComplete && responder.IsComplete);
        i2r?.Dispose();
        r2i?.Dispose();
    }

    [Fact]
    public void A_tampered_handshake_message_fails_and_leaves_the_handshake_unusable()
    {
        NoiseProtocol protocol = NoiseProtocol.Mesh(NoiseCipherKind.AesGcm);
        using var si = X25519KeyPair.Generate();
        using var sr = X25519KeyPair.Generate();
        using var initiator = new HandshakeState(protocol, true, [], si);
        using var responder = new HandshakeState(protocol, false, [], sr);
        Assert.Equal("hello"u8.ToArray(), responder.ReadMessage(initiator.WriteMessage("hello"u8)));
        byte[] reply = responder.WriteMessage("world"u8);
        reply[^1] ^= 1;
        Assert.Throws<System.Security.Cryptography.CryptographicException>(() => initiator.ReadMessage(reply));
        Assert.Throws<System.Security.Cryptography.CryptographicException>(() => initiator.ReadMessage(reply));
        Assert.Throws<System.Security.Cryptography.CryptographicException>(() => initiator.Split());
    }

    private static HandshakeState Side(NoiseProtocol protocol, JsonElement v, string prefix, bool initiator)
    {
        X25519KeyPair? s = Optional(v, $"{prefix}_static") is { } sk ? X25519KeyPair.FromPrivateKey(sk) : null;
        X25519KeyPair? e = Optional(v, $"{prefix}_ephemeral") is { } ek ? X25519KeyPair.FromPrivateKey(ek) : null;
        byte[]? rs = Optional(v, $"{prefix}_remote_static");
        IEnumerable<byte[]> psks = v.TryGetProperty($"{prefix}_psks", out JsonElement list) ? list.EnumerateArray().Select(p => Convert.FromHexString(p.GetString()!)).ToList() : [];
        return new HandshakeState(protocol, initiator, Hex(v, $"{prefix}_prologue"), s, rs, e, psks);
    }

    private static byte[]? Optional(JsonElement v, string name) => v.TryGetProperty(name, out JsonElement p) ? Convert.FromHexString(p.GetString()!) : null;

    private static byte[] Hex(JsonElement v, string name) => Convert.FromHexString(v.GetProperty(name).GetString()!);

    private static readonly Lazy<JsonElement[]> Cached = new(() =>
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(TestData.NoiseVectorsPath));
        return doc.RootElement.GetProperty("vectors").EnumerateArray().Select(e => e.Clone()).ToArray();
    });

    private static JsonElement[] Load() => Cached.Value;
}
