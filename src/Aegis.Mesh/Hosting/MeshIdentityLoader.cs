using Aegis.Mesh.Configuration;
using Aegis.Mesh.Engine;
using Aegis.Mesh.Noise;
using Aegis.Mesh.Pki;

namespace Aegis.Mesh.Hosting;

/// <summary>Reads pki.ca_file (one CA or a bundle during rotation), pki.cert_file and pki.key_file, and checks they belong together.</summary>
public static class MeshIdentityLoader
{
    public static (NodeIdentity? Identity, List<string> Problems) Load(MeshConfig config, DateTimeOffset now)
    {
        var problems = new List<string>();
        List<MeshCertificate>? cas = null;
        MeshCertificate? cert = null;
        X25519KeyPair? key = null;
        try
        {
            cas = CertificateFile.ReadAll(config.CaFile);
        }
        catch (Exception ex) when (ex is FormatException or IOException)
        {
            problems.Add($"pki.ca_file: {ex.Message}");
        }

        try
        {
            cert = CertificateFile.ReadOne(config.CertFile);
        }
        catch (Exception ex) when (ex is FormatException or IOException)
        {
            problems.Add($"pki.cert_file: {ex.Message}");
        }

        try
        {
            key = CertificateFile.ReadKey(config.KeyFile);
        }
        catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
        {
            problems.Add($"pki.key_file: {ex.Message}");
        }

        if (cas is null || cert is null || key is null)
        {
            key?.Dispose();
            return (null, problems);
        }

        TrustStore trust;
        try
        {
            trust = new TrustStore(cas, []);
        }
        catch (FormatException ex)
        {
            key.Dispose();
            return (null, [$"pki.ca_file: {ex.Message}"]);
        }

        if (!cert.PublicKey.AsSpan().SequenceEqual(key.PublicKey))
        {
            problems.Add($"pki.key_file: {config.KeyFile} is not the key of {config.CertFile}");
        }

        if (trust.Check(cert, now) is { } reason)
        {
            problems.Add($"pki.cert_file: {reason}");
        }

        if (cert.Name != config.NodeName)
        {
            problems.Add($"node_name: '{config.NodeName}' but the certificate is issued to '{cert.Name}'");
        }

        if (cert.Address is { } a && !config.Cidr.Contains(a.Address))
        {
            problems.Add($"pki.cert_file: the certificate's address {a} is outside network.cidr {config.Cidr}");
        }

        if (problems.Count > 0)
        {
            key.Dispose();
            return (null, problems);
        }

        return (new NodeIdentity(cert, key, trust), problems);
    }
}
