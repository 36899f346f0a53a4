package labkit.weights;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * razorvine's unpickler restricted to what a state dict needs, like {@code torch.load(weights_only=True)}:
 * globals are resolved only from an allow-list (OrderedDict, the tensor/parameter rebuild functions and the
 * typed storage classes); everything else, and the opcodes that import without GLOBAL (INST, OBJ, EXT*), is
 * refused. Dicts keep their key order (razorvine 1.5's SETITEMS collects into a HashMap first).
 */
final class TorchUnpickler extends Unpickler {

    /** A Python {@code collections.OrderedDict}, with the attributes a BUILD gave it (state dict metadata). */
    static final class OrderedDict extends LinkedHashMap<Object, Object> {
        private static final long serialVersionUID = 1L;
        final Map<Object, Object> attributes = new LinkedHashMap<>();
    }

    /** A storage class (torch.FloatStorage ...) as the pickle names it in a persistent id. */
    record StorageType(DType dtype) {}

    /** What {@code _rebuild_tensor_v2(storage, offset, size, stride, ...)} asked for; resolved later. */
    record TensorRef(Storage storage, long offset, long[] size, long[] stride) {}

    static final Set<String> ALLOWED = Set.of("collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state", "torch.*Storage");

    private final String source;
    private final Function<Object[], Storage> persistent;

    /**
     * @param source the file, named in errors
     * @param persistent turns a persistent id tuple ('storage', StorageType, key, ...) into a storage
     */
    TorchUnpickler(String source, Function<Object[], Storage> persistent) {
        this.source = source;
        this.persistent = persistent;
    }

    @Override
    protected Object dispatch(short key) throws PickleException, IOException {
        switch (key) {
            case Opcodes.GLOBAL: {
                String module = PickleUtils.readline(input);
                String name = PickleUtils.readline(input);
                stack.add(resolve(module, name));
                return NO_RETURN_VALUE;
            }
            case Opcodes.STACK_GLOBAL: {
                Object name = stack.pop();
                Object module = stack.pop();
                stack.add(resolve(String.valueOf(module), String.valueOf(name)));
                return NO_RETURN_VALUE;
            }
            case Opcodes.INST:
            case Opcodes.OBJ:
            case Opcodes.EXT1:
            case Opcodes.EXT2:
            case Opcodes.EXT4:
                throw refuse("opcode " + opcodeName(key), "opcode " + opcodeName(key));
            case Opcodes.EMPTY_DICT:
                stack.add(new LinkedHashMap<Object, Object>());
                return NO_RETURN_VALUE;
            case Opcodes.DICT: {
                List<Object> items = stack.pop_all_since_marker();
                Map<Object, Object> map = new LinkedHashMap<>();
                for (int i = 0; i + 1 < items.size(); i += 2) {
                    map.put(items.get(i), items.get(i + 1));
                }
                stack.add(map);
                return NO_RETURN_VALUE;
            }
            case Opcodes.SETITEM: {
                Object value = stack.pop();
                Object k = stack.pop();
                target().put(k, value);
                return NO_RETURN_VALUE;
            }
            case Opcodes.SETITEMS: {
                List<Object> items = stack.pop_all_since_marker();
                Map<Object, Object> map = target();
                for (int i = 0; i + 1 < items.size(); i += 2) {
                    map.put(items.get(i), items.get(i + 1));
                }
                return NO_RETURN_VALUE;
            }
            case Opcodes.BUILD: {
                Object state = stack.pop();
                Object obj = stack.peek();
                if (obj instanceof OrderedDict && state instanceof Map) {
                    ((OrderedDict) obj).attributes.putAll((Map<?, ?>) state);
                    return NO_RETURN_VALUE;
                }
                throw refuse("BUILD (setting the state of a " + typeName(obj) + ")", "BUILD");
            }
            default:
                return super.dispatch(key);
        }
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> target() throws IOException {
        Object t = stack.peek();
        if (!(t instanceof Map)) {
            throw new IOException(source + ": malformed pickle: SETITEM(S) on a " + typeName(t) + ", not a dict");
        }
        return (Map<Object, Object>) t;
    }

    @Override
    protected Object persistentLoad(Object pid) {
        if (!(pid instanceof Object[]) || ((Object[]) pid).length < 5 || !"storage".equals(((Object[]) pid)[0])) {
            throw new PickleException(source + ": unsupported persistent id " + describe(pid)
                    + " (expected ('storage', type, key, location, numel) as torch.save writes)");
        }
        return persistent.apply((Object[]) pid);
    }

    private Object resolve(String module, String name) throws UnsafePickleException {
        String full = module + "." + name;
        switch (full) {
            case "collections.OrderedDict":
                return (IObjectConstructor) args -> {
                    OrderedDict d = new OrderedDict();
                    if (args.length == 1 && args[0] instanceof List) {
                        for (Object pair : (List<?>) args[0]) {
                            Object[] kv = (Object[]) pair;
                            d.put(kv[0], kv[1]);
                        }
                    }
                    return d;
                };
            case "torch._utils._rebuild_tensor_v2":
                return (IObjectConstructor) args -> {
                    if (args.length < 4 || !(args[0] instanceof Storage)) {
                        throw new PickleException(source + ": _rebuild_tensor_v2 with unexpected arguments "
                                + describe(args));
                    }
                    return new TensorRef((Storage) args[0], toLong(args[1]), toLongs(args[2]), toLongs(args[3]));
                };
            case "torch._utils._rebuild_parameter":
            case "torch._utils._rebuild_parameter_with_state":
                return (IObjectConstructor) args -> args[0];
            default:
                if (module.equals("torch") && name.endsWith("Storage")) {
                    DType dt = DType.ofStorageClass(name);
                    if (dt != null) {
                        return new StorageType(dt);
                    }
                    throw new UnsafePickleException(source + ": storage type torch." + name + " is not supported"
                            + " (labkit reads float32/16/64, bfloat16, int64/32/16/8, uint8 and bool tensors)", full);
                }
                throw refuse("global " + full, full);
        }
    }

    private UnsafePickleException refuse(String what, String global) {
        return new UnsafePickleException(source + ": refused " + what + ". labkit loads only tensors and"
                + " OrderedDicts from .pth files (like torch.load(weights_only=True)); allowed globals: " + ALLOWED
                + ". A state dict saved with torch.save(model.state_dict()) needs nothing else — do not load"
                + " this file if you do not trust where it came from.", global);
    }

    static long toLong(Object o) {
        if (o instanceof Number) {
            return ((Number) o).longValue();
        }
        throw new PickleException("expected an integer, got " + describe(o));
    }

    static long[] toLongs(Object o) {
        if (o instanceof Object[]) {
            Object[] a = (Object[]) o;
            long[] out = new long[a.length];
            for (int i = 0; i < a.length; i++) {
                out[i] = toLong(a[i]);
            }
            return out;
        }
        if (o instanceof List) {
            return toLongs(((List<?>) o).toArray());
        }
        throw new PickleException("expected a tuple of integers, got " + describe(o));
    }

    static String typeName(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    static String describe(Object o) {
        if (o instanceof Object[]) {
            List<String> parts = new ArrayList<>();
            for (Object x : (Object[]) o) {
                parts.add(describe(x));
            }
            return "(" + String.join(", ", parts) + ")";
        }
        return String.valueOf(o);
    }

    private static String opcodeName(short key) {
        switch (key) {
            case Opcodes.INST: return "INST";
            case Opcodes.OBJ: return "OBJ";
            case Opcodes.EXT1: return "EXT1";
            case Opcodes.EXT2: return "EXT2";
            case Opcodes.EXT4: return "EXT4";
            default: return String.valueOf(key);
        }
    }
}
