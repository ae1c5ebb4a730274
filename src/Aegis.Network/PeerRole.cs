using Aegis.Core.Crypto;

namespace Aegis.Network;

public enum PeerRole
{
    /// <summary>In the validator set: may vote.</summary>
    Validator,

    /// <summary>Not a validator: receives blocks, cannot vote.</summary>
    Observer,
}

/// <summary>Decides who may connect, from the remote's proven identity key. Returns null to reject.</summary>
public delegate PeerRole? PeerAuthorizer(PublicKey remoteIdentity);
