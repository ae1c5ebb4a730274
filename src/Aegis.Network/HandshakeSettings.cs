using Aegis.Core.Crypto;

namespace Aegis.Network;

/// <summary>What one node brings to every handshake.</summary>
internal sealed record HandshakeSettings(string ChainId, ISigner Identity, PeerAuthorizer Authorize, TimeSpan Timeout, PeerVeto? Veto = null);

/// <summary>What a finished handshake hands to the channel: the proven peer, its role, and one cipher per direction.</summary>
internal sealed record HandshakeResult(PublicKey RemoteIdentity, PeerRole Role, SessionCipher Send, SessionCipher Receive);
