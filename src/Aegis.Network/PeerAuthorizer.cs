using Aegis.Core.Crypto;

namespace Aegis.Network;

/// <summary>
/// Decides, from the identity key a remote has just proven it holds, whether it may connect and in which role.
/// Returns null to refuse it. Called once per handshake, after the signature check, from the handshake's task.
/// </summary>
public delegate PeerRole? PeerAuthorizer(PublicKey remoteIdentity);

/// <summary>
/// A second opinion after authorization, for rules that depend on the node's live state (an identity that is already
/// connected): null admits the peer, a sentence refuses it and is sent to the peer as the refusal's reason.
/// </summary>
public delegate string? PeerVeto(PublicKey remoteIdentity);
