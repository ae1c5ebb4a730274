namespace Aegis.Mesh.Pki;

/// <summary>The byte value is part of the certificate encoding.</summary>
public enum CertificateKind : byte
{
    /// <summary>A mesh certificate authority: self-signed, carries an Ed25519 signing key.</summary>
    Authority = 1,

    /// <summary>A node: carries its X25519 Noise static key, signed by an authority.</summary>
    Node = 2,
}
