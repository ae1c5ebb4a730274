namespace Aegis.Network;

/// <summary>What an authenticated peer may do on this node.</summary>
public enum PeerRole
{
    /// <summary>In the validator set: its consensus messages count.</summary>
    Validator,

    /// <summary>Not a validator: follows the chain, cannot vote.</summary>
    Observer,
}
