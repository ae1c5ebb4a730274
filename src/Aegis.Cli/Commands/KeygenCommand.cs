using System.CommandLine;
using Aegis.Core.Crypto;
using Aegis.Node.Identity;

namespace Aegis.Cli.Commands;

/// <summary>`aegis keygen [--out FILE]`: a new identity key (file mode 0600); prints the key's fingerprint and public key.</summary>
public static class KeygenCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out", "-o") { Description = "where to write the key file", DefaultValueFactory = _ => "node.key" };
        var force = new Option<bool>("--force") { Description = "overwrite an existing key file (destroys that identity)" };
        var encrypt = new Option<bool>("--encrypt") { Description = "seal the private key with the passphrase in AEGIS_ENCRYPTION_KEY (PBKDF2-SHA256 + AES-256-GCM); the node then needs the same variable to start" };
        var command = new Command("keygen", "create an identity key file and print its public key") { output, force, encrypt };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(output)!;
            string? passphrase = Environment.GetEnvironmentVariable("AEGIS_ENCRYPTION_KEY");
            if (parse.GetValue(encrypt) && string.IsNullOrEmpty(passphrase))
            {
                return CliErrors.Report("keygen", ["--encrypt: AEGIS_ENCRYPTION_KEY is not set — expected the passphrase to seal the key with"]);
            }

            using EcdsaP256Signer signer = EcdsaP256Signer.Generate();
            try
            {
                KeyFile.Write(path, signer, parse.GetValue(force), parse.GetValue(encrypt) ? passphrase : null);
            }
            catch (IOException ex)
            {
                return CliErrors.Fail("keygen", ex.Message);
            }

            Console.WriteLine($"node id:     {signer.PublicKey.Fingerprint.ToString()[..16]}");
            Console.WriteLine($"public key:  {signer.PublicKey}");
            Console.WriteLine($"written to:  {Path.GetFullPath(path)} (mode 0600{(parse.GetValue(encrypt) ? ", encrypted with AEGIS_ENCRYPTION_KEY" : "")})");
            return CliApp.Ok;
        });
        return command;
    }
}
