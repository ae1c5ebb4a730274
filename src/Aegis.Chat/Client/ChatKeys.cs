using System.Security.Cryptography;
using System.Text.Json;
using Aegis.Chat.Rooms;
using Aegis.Core.Crypto;
using Rfc7748 = Org.BouncyCastle.Math.EC.Rfc7748.X25519;

namespace Aegis.Chat.Client;

/// <summary>
/// A member's private keys: an Ed25519 seed (signatures) and an X25519 scalar (key agreement). The key file is JSON
/// <c>{"v":1,"ed25519":B64,"x25519":B64}</c>, mode 0600; its public identity is <see cref="IdentityText"/>.
/// </summary>
public sealed class ChatKeys
{
    private readonly byte[] _x25519;

    private ChatKeys(byte[] edSeed, byte[] x25519)
    {
        Signer = Ed25519Signer.FromPrivateKey(edSeed);
        _x25519 = x25519;
        var xPub = new byte[32];
        Rfc7748.GeneratePublicKey(x25519, 0, xPub, 0);
        Identity = [.. Signer.PublicKey.Bytes, .. xPub];
        IdentityText = ChatIdentity.Format(Identity);
    }

    public Ed25519Signer Signer { get; }

    /// <summary>Ed25519 public ‖ X25519 public (64 bytes).</summary>
    public byte[] Identity { get; }

    public string IdentityText { get; }

    public static ChatKeys Generate() => new(RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32));

    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        var sig = new byte[64];
        Signer.Sign(message, sig);
        return sig;
    }

    /// <summary>X25519 with this member's scalar.</summary>
    public byte[] Agree(ReadOnlySpan<byte> peerPublic) => Agree(_x25519, peerPublic);

    public static byte[] Agree(byte[] scalar, ReadOnlySpan<byte> peerPublic)
    {
        var shared = new byte[32];
        if (!Rfc7748.CalculateAgreement(scalar, 0, peerPublic.ToArray(), 0, shared, 0))
        {
            throw new CryptographicException("X25519 agreement with a low-order public key");
        }

        return shared;
    }

    public void Write(string path, bool overwrite)
    {
        if (File.Exists(path) && !overwrite)
        {
            throw new IOException($"{path} exists (use --force to replace it: that destroys the identity)");
        }

        string json = JsonSerializer.Serialize(new Dictionary<string, object> { ["v"] = 1, ["ed25519"] = Convert.ToBase64String(Signer.ExportPrivateKey()), ["x25519"] = Convert.ToBase64String(_x25519) });
        using (File.Create(path))
        {
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(path, json);
    }

    /// <exception cref="FormatException">not a chat key file (names the problem).</exception>
    public static ChatKeys Read(string path)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            byte[] ed = Convert.FromBase64String(doc.RootElement.GetProperty("ed25519").GetString() ?? "");
            byte[] x = Convert.FromBase64String(doc.RootElement.GetProperty("x25519").GetString() ?? "");
            return ed.Length == 32 && x.Length == 32 ? new ChatKeys(ed, x) : throw new FormatException($"{path}: keys must be 32 bytes each");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"{path}: not a chat key file (expected JSON with ed25519 and x25519): {ex.Message}", ex);
        }
    }
}
