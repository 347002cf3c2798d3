using Nkdump.Formats;
using Nkdump.Formats.IO;
using Nkdump.Formats.Limits;

namespace Nkdump.Setup.Initramfs;

/// <summary>
/// The modules of one kernel release, from its modules.dep ("kernel/fs/ext4/ext4.ko.zst: dep1 dep2")
/// and modules.builtin. Names compare as the kernel does: file name without .ko/.ko.xz/.ko.zst/.ko.gz,
/// '-' and '_' alike.
/// </summary>
internal sealed class KernelModules
{
    private readonly Dictionary<string, (string Path, string[] Deps)> _modules = new(StringComparer.Ordinal);
    private readonly HashSet<string> _builtin = new(StringComparer.Ordinal);

    // "softdep ext4 pre: crypto-crc32c": modules the kernel asks for by name at run time, which
    // modules.dep does not list (ext4 cannot mount without a crc32c driver). Names may be aliases.
    private readonly Dictionary<string, string[]> _softPre = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _aliases = new(StringComparer.Ordinal);

    private KernelModules(string directory) => Directory = directory;

    /// <summary>The modules directory inside the root, e.g. /lib/modules/6.1.0-13-amd64.</summary>
    public string Directory { get; }

    /// <summary>Reads ROOT/lib/modules/RELEASE (or /usr/lib/modules/RELEASE).</summary>
    public static KernelModules Load(HostRoot root, string release)
    {
        var dir = new[] { $"/lib/modules/{release}", $"/usr/lib/modules/{release}" }
            .FirstOrDefault(d => File.Exists(root.Resolve(d + "/modules.dep")))
            ?? throw new NkdumpException($"no modules.dep for kernel {release} under {root.Resolve("/lib/modules")} (run depmod)");
        var modules = new KernelModules(dir);
        var number = 0;
        foreach (var line in InputFile.ReadLines(root.Resolve(dir + "/modules.dep"), InputLimits.ModuleIndex, "modules.dep"))
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                throw new NkdumpException($"{root.Resolve(dir + "/modules.dep")}:{number}: no ':' after the module path");
            }

            var path = line[..colon];
            CheckRelative(path, root.Resolve(dir + "/modules.dep"), number);
            var deps = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var dep in deps)
            {
                CheckRelative(dep, root.Resolve(dir + "/modules.dep"), number);
            }

            modules._modules[NameOf(path)] = (path, deps);
        }

        var builtin = root.Resolve(dir + "/modules.builtin");
        if (File.Exists(builtin))
        {
            modules.HasBuiltinList = true;
            foreach (var line in InputFile.ReadLines(builtin, InputLimits.ModuleIndex, "modules.builtin"))
            {
                if (line.Length > 0)
                {
                    modules._builtin.Add(NameOf(line));
                }
            }
        }

        modules.LoadSoftDependencies(root.Resolve(dir + "/modules.softdep"), root.Resolve(dir + "/modules.alias"));
        return modules;
    }

    private void LoadSoftDependencies(string softdepFile, string aliasFile)
    {
        if (File.Exists(softdepFile))
        {
            foreach (var line in InputFile.ReadLines(softdepFile, InputLimits.ModuleIndex, "modules.softdep"))
            {
                var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words.Length < 3 || words[0] != "softdep")
                {
                    continue;
                }

                // Only "pre:" modules matter for loading order; "post:" ones are optional extras.
                var pre = words.Skip(2).SkipWhile(w => w != "pre:").Skip(1).TakeWhile(w => w != "post:").ToArray();
                if (pre.Length > 0)
                {
                    _softPre[NameOf(words[1])] = pre;
                }
            }
        }

        if (File.Exists(aliasFile))
        {
            foreach (var line in InputFile.ReadLines(aliasFile, InputLimits.ModuleIndex, "modules.alias"))
            {
                var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words.Length == 3 && words[0] == "alias" && !words[1].Contains('*'))
                {
                    if (!_aliases.TryGetValue(words[1], out var targets))
                    {
                        _aliases[words[1]] = targets = [];
                    }

                    targets.Add(NameOf(words[2]));
                }
            }
        }
    }

    /// <summary>"kernel/fs/ext4/ext4.ko.zst" → "ext4"; "snd-hda.ko" → "snd_hda".</summary>
    public static string NameOf(string pathOrName)
    {
        var name = Path.GetFileName(pathOrName);
        foreach (var suffix in new[] { ".ko.zst", ".ko.xz", ".ko.gz", ".ko" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                name = name[..^suffix.Length];
                break;
            }
        }

        return name.Replace('-', '_');
    }

    /// <summary>Whether the release has a modules.builtin: without it, "not a module" cannot mean "not in the kernel".</summary>
    public bool HasBuiltinList { get; private set; }

    public bool IsBuiltin(string name) => _builtin.Contains(NameOf(name));

    public bool Contains(string name) => _modules.ContainsKey(NameOf(name));

    /// <summary>
    /// The module files (relative to <see cref="Directory"/>) for <paramref name="names"/> and all
    /// their dependencies, dependencies first — the order to load them in. Built-in modules need no
    /// file; a name that is neither a module nor built in is returned in <paramref name="missing"/>.
    /// </summary>
    public IReadOnlyList<string> Closure(IEnumerable<string> names, out IReadOnlyList<string> missing)
    {
        var order = new List<string>();
        var done = new HashSet<string>(StringComparer.Ordinal);
        var notFound = new List<string>();
        foreach (var name in names)
        {
            var key = NameOf(name);
            if (_modules.ContainsKey(key))
            {
                Add(key, order, done);
            }
            else if (!_builtin.Contains(key))
            {
                notFound.Add(name);
            }
        }

        missing = notFound;
        return order;
    }

    /// <summary>Adds a module after its soft and hard dependencies (each once).</summary>
    private void Add(string key, List<string> order, HashSet<string> done)
    {
        var (path, deps) = _modules[key];
        if (!done.Add(key))
        {
            return;
        }

        // modules.dep lists every dependency, transitively, in load-reverse order (depmod):
        // load them last-first, then the module itself; a module's pre: soft dependencies first.
        foreach (var dep in deps.Reverse().Append(path))
        {
            var depKey = NameOf(dep);
            foreach (var soft in _softPre.GetValueOrDefault(depKey, []).SelectMany(Resolve))
            {
                Add(soft, order, done);
            }

            if (depKey == key ? !order.Contains(path) : done.Add(depKey))
            {
                order.Add(dep);
            }
        }
    }

    /// <summary>A soft dependency's modules: itself if it is a module, else what its alias names (built-ins need nothing).</summary>
    private IEnumerable<string> Resolve(string name)
    {
        var key = NameOf(name);
        if (_modules.ContainsKey(key))
        {
            return [key];
        }

        return _aliases.TryGetValue(name, out var targets) ? targets.Where(_modules.ContainsKey) : [];
    }

    private static void CheckRelative(string path, string file, int line)
    {
        if (path.StartsWith('/') || path.Split('/').Contains(".."))
        {
            throw new NkdumpException($"{file}:{line}: module path '{path}' leaves the modules directory");
        }
    }
}
