using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Simulation;
using BenchmarkDotNet.Attributes;

namespace Aegis.Benchmarks;

/// <summary>Signature costs on the consensus path: one vote, a commit certificate, a batch of votes checked in parallel.</summary>
public class SignatureBenchmarks
{
    private ISigner _signer = null!;
    private byte[] _message = [];
    private byte[] _signature = new byte[Signature.Size];
    private ValidatorSet _validators = null!;
    private CommitCertificate _certificate = null!;
    private (PublicKey Key, byte[] Message, byte[] Signature)[] _batch = [];

    [GlobalSetup]
    public void Setup()
    {
        ISigner[] signers = SimKeys.For(4);
        _signer = signers[0];
        _validators = new ValidatorSet([.. signers.Select((s, i) => new Validator((ushort)i, $"v{i}", s.PublicKey, ""))]);
        Hash32 block = Hash32.Compute("block"u8);
        _message = SignBytes.ForVote(VoteKind.Commit, "bench", 0, 1, block);
        _signer.Sign(_message, _signature);
        _certificate = new CommitCertificate(1, block, 0, [.. signers.Take(3).Select((s, i) =>
        {
            var sig = new byte[Signature.Size];
            s.Sign(_message, sig);
            return new ValidatorSignature((ushort)i, sig);
        })]);
        _batch = [.. Enumerable.Range(0, 256).Select(i =>
        {
            byte[] m = SignBytes.ForVote(VoteKind.Prepare, "bench", 0, (ulong)i, block);
            var sig = new byte[Signature.Size];
            signers[i % 4].Sign(m, sig);
            return (signers[i % 4].PublicKey, m, sig);
        })];

        // A rejected signature returns early; every benchmark here must time the path that accepts.
        string? certificateError = VerifyCertificate();
        if (!VerifyVote() || certificateError is not null || VerifyBatchParallel() != _batch.Length)
        {
            throw new InvalidOperationException($"a benchmark input does not verify ({certificateError ?? "vote or batch"})");
        }
    }

    [Benchmark(Description = "sign one vote (P-256)")]
    public void SignVote() => _signer.Sign(_message, _signature);

    [Benchmark(Description = "verify one vote (P-256)")]
    public bool VerifyVote() => _signer.PublicKey.Verify(_message, _signature);

    [Benchmark(Description = "verify a commit certificate (3 of 4)")]
    public string? VerifyCertificate() => _certificate.Verify(_validators, "bench");

    [Benchmark(Description = "verify 256 votes, parallel")]
    public int VerifyBatchParallel()
    {
        int ok = 0;
        Parallel.ForEach(_batch, v =>
        {
            if (v.Key.Verify(v.Message, v.Signature))
            {
                Interlocked.Increment(ref ok);
            }
        });
        return ok;
    }
}
