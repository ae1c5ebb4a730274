using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Aegis.Benchmarks -- --filter '*'   (see bench/README.md)
// dotnet run -c Release --project bench/Aegis.Benchmarks -- state-tree   (the state commitment's cost per block)
if (args.Length > 0 && args[0] == "state-tree")
{
    return StateTreeCost.Run(args[1..]);
}

// dotnet run -c Release --project bench/Aegis.Benchmarks -- chain-gen --testnet DIR   (a long chain for bench/join-100k.sh)
if (args.Length > 0 && args[0] == "chain-gen")
{
    return await ChainGen.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
