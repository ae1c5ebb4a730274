namespace Aegis.Network;

/// <summary>
/// What a <see cref="PeerVeto"/> decides for a peer that has proven its identity: admitted (with an optional lease on a
/// limited slot, which the channel releases when it closes, or the handshake if it fails afterwards), or refused with a
/// reason and a sentence the peer is sent.
/// </summary>
public readonly record struct PeerAdmission(PeerRefusal? Refusal, string? Detail, IDisposable? Lease)
{
    public static PeerAdmission Admit(IDisposable? lease = null) => new(null, null, lease);

    public static PeerAdmission Refuse(PeerRefusal reason, string detail) => new(reason, detail, null);
}
