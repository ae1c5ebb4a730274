using Aegis.Content.Cids;
using Aegis.Content.Storage;
using Aegis.Core.Crypto;
using SimpleBase;

namespace Aegis.Content.Rpc;

/// <summary>
/// The store's libp2p-style identity for <c>id</c> and pubsub's <c>from</c>: an Ed25519 key kept in the store's
/// meta table, its peer id the identity multihash of the protobuf PublicKey { Type = Ed25519 (1); Data = key } in
/// base58btc ("12D3KooW…"), as libp2p prints Ed25519 peer ids.
/// </summary>
public sealed class StoreIdentity
{
    private StoreIdentity(byte[] publicKeyProtobuf)
    {
        PublicKeyProtobuf = publicKeyProtobuf;
        PeerId = Base58.Bitcoin.Encode(Multihash.Identity(publicKeyProtobuf));
    }

    public string PeerId { get; }

    public byte[] PublicKeyProtobuf { get; }

    public static async Task<StoreIdentity> LoadOrCreateAsync(ContentStore store, CancellationToken ct)
    {
        string? seed = await store.GetMetaAsync("identity_ed25519", ct).ConfigureAwait(false);
        Ed25519Signer signer;
        if (seed is null)
        {
            signer = Ed25519Signer.Generate();
            await store.SetMetaAsync("identity_ed25519", Convert.ToBase64String(signer.ExportPrivateKey()), ct).ConfigureAwait(false);
        }
        else
        {
            signer = Ed25519Signer.FromPrivateKey(Convert.FromBase64String(seed));
        }

        byte[] key = signer.PublicKey.Bytes.ToArray();
        var protobuf = new byte[4 + key.Length];
        protobuf[0] = 0x08;
        protobuf[1] = 0x01;
        protobuf[2] = 0x12;
        protobuf[3] = (byte)key.Length;
        key.CopyTo(protobuf, 4);
        return new StoreIdentity(protobuf);
    }
}
