using Aegis.Core.Crypto;

namespace Aegis.Network;

/// <summary>
/// Decides, from the identity key a remote has just proven it holds, whether it may connect and in which role.
/// Returns null to refuse it. Called once per handshake, after the signature check, from the handshake's task.
/// </summary>
public delegate PeerRole? PeerAuthorizer(PublicKey remoteIdentity);
