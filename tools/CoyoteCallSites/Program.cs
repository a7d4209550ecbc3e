using Harness.Tools.CoyoteCallSites;

// coyote-call-sites ASSEMBLY...: removes Coyote's call-site registrations from rewritten assemblies (see CallSiteRemover).
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: coyote-call-sites ASSEMBLY... (Coyote-rewritten assemblies, changed in place)");
    return 2;
}

foreach (var path in args)
{
    if (!File.Exists(path))
    {
        Console.Error.WriteLine($"coyote-call-sites: {path}: no such file");
        return 2;
    }

    int removed;
    try
    {
        removed = CallSiteRemover.Remove(path);
    }
    catch (InvalidOperationException e)
    {
        Console.Error.WriteLine($"coyote-call-sites: {path}: {e.Message}");
        return 1;
    }

    Console.WriteLine($"coyote-call-sites: {path}: {removed} call-site registration(s) removed");
}

return 0;
