using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using BenchmarkDotNet.Attributes;

namespace Aegis.Benchmarks;

/// <summary>The canonical codec and the Merkle root on a full 2000-transaction block of 100-byte values.</summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private Block _block = null!;
    private byte[] _encoded = [];
    private Hash32[] _txHashes = [];

    [GlobalSetup]
    public void Setup()
    {
        Transaction[] txs = [.. Enumerable.Range(0, 2000).Select(i => Transaction.Put($"key-{i}", new string('v', 100)))];
        var header = new BlockHeader("bench", 1, 0, Hash32.Zero, Block.ComputeTxRoot(txs), Hash32.Zero, 0, 0, (uint)txs.Length);
        _block = new Block(header, txs);
        _encoded = _block.ToBytes();
        _txHashes = [.. txs.Select(t => t.Hash)];
    }

    [Benchmark(Description = "encode block (2000 txs)")]
    public byte[] Encode() => new Block(_block.Header, _block.Transactions.Select(t => Transaction.FromBytes(t.ToBytes())).ToArray()).ToBytes();

    [Benchmark(Description = "decode block (2000 txs)")]
    public Block Decode() => Block.FromBytes(_encoded);

    [Benchmark(Description = "Merkle root (2000 leaves)")]
    public Hash32 MerkleRoot() => MerkleTree.ComputeRoot(_txHashes);
}
