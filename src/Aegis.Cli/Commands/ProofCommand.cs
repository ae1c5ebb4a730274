using System.CommandLine;
using Aegis.Core.Consensus;
using Aegis.Core.Encoding;
using Aegis.Core.State.Commitment;

namespace Aegis.Cli.Commands;

/// <summary>
/// `aegis proof verify --genesis FILE --proof FILE`: checks a `GET /v1/kv/{key}?proof=true` answer offline, trusting
/// nothing but the genesis file: the header's commit certificate against the genesis validators, then the proof against
/// the header's state root. The proof file is the JSON answer, or the binary form (<see cref="KvProof.ToBytes"/>).
/// </summary>
public static class ProofCommand
{
    private const string Verb = "proof verify";

    public static Command Create()
    {
        var genesis = new Option<FileInfo>("--genesis") { Description = "the chain's genesis.json (its validators are the only trust)", Required = true };
        var proof = new Option<FileInfo>("--proof") { Description = "the ?proof=true answer (JSON), or a binary proof", Required = true };
        var verify = new Command("verify", "check a ?proof=true answer offline against the genesis validator set: prints 'ok: key=… height=…' or why not (exit 1)")
        {
            genesis, proof,
        };
        verify.SetAction(parse => Verify(parse.GetValue(genesis)!, parse.GetValue(proof)!, Console.Out));
        return new Command("proof", "proofs of the key-value state") { verify };
    }

    public static int Verify(FileInfo genesisFile, FileInfo proofFile, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(genesisFile);
        ArgumentNullException.ThrowIfNull(proofFile);
        ArgumentNullException.ThrowIfNull(output);
        var problems = new List<string>();
        if (!genesisFile.Exists)
        {
            problems.Add($"--genesis: {genesisFile.FullName} does not exist");
        }

        if (!proofFile.Exists)
        {
            problems.Add($"--proof: {proofFile.FullName} does not exist");
        }

        if (problems.Count > 0)
        {
            return CliErrors.Report(Verb, problems);
        }

        Genesis? chain = GenesisDocument.Parse(File.ReadAllText(genesisFile.FullName), out List<string> genesisProblems);
        if (chain is null)
        {
            return CliErrors.Report(Verb, genesisProblems.Select(p => $"--genesis: {p}"));
        }

        byte[] bytes = File.ReadAllBytes(proofFile.FullName);
        KvProof proof;
        try
        {
            // A JSON answer starts with '{' (after any whitespace); the binary form starts with its version byte, 1.
            string text = System.Text.Encoding.UTF8.GetString(bytes).TrimStart();
            proof = text.StartsWith('{') ? KvProofJson.Parse(text, chain.Parameters.PipelineDepth) : KvProof.FromBytes(bytes);
        }
        catch (CodecException ex)
        {
            return CliErrors.Fail(Verb, $"{proofFile.Name}: {ex.Message}");
        }

        if (proof.Verify(chain) is { } why)
        {
            return CliErrors.Fail(Verb, why);
        }

        ulong height = KvProof.StateHeightOf(proof.Header.Height, chain.Parameters.PipelineDepth);
        string key = Printable(proof.Key);
        string what = proof.Value is null ? "absent" : $"value={Printable(proof.Value)}";
        output.WriteLine($"ok: key={key} height={height} {what} (state root {proof.Header.StateRoot.ToShortString()} in block {proof.Header.Height}, certified by {proof.Certificate.Signatures.Count} of {chain.Validators.Count} validators)");
        return CliApp.Ok;
    }

    /// <summary>UTF-8 text as is (cut at 80 characters), anything else as hex: a proof's bytes are not ours to print raw.</summary>
    private static string Printable(byte[] bytes)
    {
        string text;
        try
        {
            text = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (System.Text.DecoderFallbackException)
        {
            return "0x" + Convert.ToHexStringLower(bytes);
        }

        if (text.Any(char.IsControl))
        {
            return "0x" + Convert.ToHexStringLower(bytes);
        }

        return text.Length > 80 ? text[..80] + "…" : text;
    }
}
