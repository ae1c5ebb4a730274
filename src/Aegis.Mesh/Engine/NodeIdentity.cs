using Aegis.Mesh.Noise;
using Aegis.Mesh.Pki;

namespace Aegis.Mesh.Engine;

/// <summary>This node's certificate, its private key and the authorities it trusts; replaced whole on reload.</summary>
public sealed record NodeIdentity(MeshCertificate Certificate, X25519KeyPair Key, TrustStore Trust);
