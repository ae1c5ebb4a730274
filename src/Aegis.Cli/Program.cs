using Aegis.Cli.Commands;

return await CliApp.RunAsync(args);
