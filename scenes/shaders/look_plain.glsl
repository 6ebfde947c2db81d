// The plain look: the city's own vertex colours, unlit (SceneSettings(look="plain")).
vec3 look_surface(vec4 c, vec3 n) {
    return c.rgb;
}

vec4 look_finish(vec3 c, float a) {
    return vec4(c, a);
}
